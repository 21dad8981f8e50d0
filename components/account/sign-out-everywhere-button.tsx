"use client";

import { useMutation } from "@tanstack/react-query";
import { buttonClass } from "../form-field";
import { useTRPC } from "../trpc";

/** Ends every session of the user, this one included, then goes to the sign-in page. */
export function SignOutEverywhereButton() {
  const trpc = useTRPC();
  const signOut = useMutation({ ...trpc.account.signOutEverywhere.mutationOptions(), onSuccess: () => location.assign("/login") });
  return (
    <span className="inline-flex items-center gap-2">
      {signOut.error && (
        <span role="alert" className="text-xs text-red-600 dark:text-red-400">
          {signOut.error.message}
        </span>
      )}
      <button type="button" className={buttonClass.danger} disabled={signOut.isPending || signOut.isSuccess} onClick={() => signOut.mutate()}>
        {signOut.isPending ? "Signing out…" : "Sign out everywhere"}
      </button>
    </span>
  );
}
