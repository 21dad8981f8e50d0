"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ApiToken } from "@/server/contracts/access";
import { ConfirmDialog } from "../shell/confirm-dialog";
import { useTRPC } from "../trpc";

/** Asks before revoking a token: whatever uses it is refused from then on. */
export function RevokeTokenDialog({ token, showOwner, onClose }: { token: ApiToken; showOwner: boolean; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions());
  return (
    <ConfirmDialog
      title={`Revoke ${token.name}?`}
      confirmLabel="Revoke token"
      onClose={onClose}
      onConfirm={async () => {
        await revoke.mutateAsync({ id: token.id });
        await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      }}
    >
      Scripts and tools using {token.name}
      {showOwner && ` (${token.username}'s)`} are refused from now on. This can&apos;t be undone.
    </ConfirmDialog>
  );
}
