"use client";

import Link from "next/link";
import { useState } from "react";
import { useAccess } from "./access-context";
import { describeGrants } from "./grants";
import { postAuth } from "./session-state";

/** Who is signed in, and the way out. */
export function UserMenu() {
  const { me } = useAccess();
  const [error, setError] = useState<string>();
  if (!me) return null;

  async function signOut() {
    const result = await postAuth("/api/auth/logout", {});
    if (!result.ok) return setError(result.error);
    location.assign("/login");
  }

  return (
    <div className="space-y-1 border-t border-zinc-200 px-2 pt-3 text-sm dark:border-zinc-800" data-testid="user-menu">
      <Link href="/account" className="block truncate font-medium hover:underline" title="Your account, sessions and tokens">
        {me.displayName ?? me.username}
      </Link>
      <p className="text-xs text-zinc-500">
        {me.role}
        {me.grants.length > 0 && ` · ${describeGrants(me.grants)}`}
        {me.kind === "token" && " · API token"}
      </p>
      {me.kind === "user" && (
        <button type="button" className="text-xs text-zinc-500 hover:text-zinc-900 hover:underline dark:hover:text-white" onClick={signOut}>
          Sign out
        </button>
      )}
      {error && (
        <p role="alert" className="text-xs text-red-600">
          {error}
        </p>
      )}
    </div>
  );
}
