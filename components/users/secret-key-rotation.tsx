"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { buttonClass } from "../form-field";
import { PageSection } from "../page-section";
import { ConfirmDialog } from "../shell/confirm-dialog";
import { useTRPC } from "../trpc";

/** The admin action that re-seals every secret env value with a new key, in one transaction. */
export function SecretKeyRotation() {
  const trpc = useTRPC();
  const rotate = useMutation(trpc.settings.rotateSecretKey.mutationOptions());
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState<string>();
  return (
    <PageSection
      title="Secret key"
      description="Encrypts secret environment values in the database. Rotate it after someone who could read it leaves, or on a schedule."
      actions={
        <button type="button" className={buttonClass.secondary} onClick={() => (setAsking(true), setDone(undefined))}>
          Rotate secret key
        </button>
      }
    >
      {done && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {done}
        </p>
      )}
      {asking && (
        <ConfirmDialog
          title="Rotate the secret key?"
          confirmLabel="Rotate"
          onClose={() => setAsking(false)}
          onConfirm={async () => {
            const result = await rotate.mutateAsync();
            setDone(`Re-sealed ${result.resealed} secret value(s) with a new key${result.unreadable ? `; ${result.unreadable} could not be opened and were left as they are` : ""}.`);
          }}
        >
          Gantry makes a new key and re-seals every stored secret value with it, all at once. Running instances keep their values. If the key comes from
          GANTRY_SECRET_KEY, this says how to rotate it there instead.
        </ConfirmDialog>
      )}
    </PageSection>
  );
}
