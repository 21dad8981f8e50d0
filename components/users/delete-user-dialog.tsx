"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { User } from "@/server/contracts/access";
import { ConfirmDialog } from "../shell/confirm-dialog";
import { useTRPC } from "../trpc";

/** Asks before deleting a user; the server's refusal (the last active admin…) shows in the dialog. */
export function DeleteUserDialog({ user, isSelf, onClose }: { user: User; isSelf: boolean; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.users.delete.mutationOptions());
  return (
    <ConfirmDialog
      title={`Delete ${user.username}?`}
      confirmLabel="Delete user"
      onClose={onClose}
      onConfirm={async () => {
        await remove.mutateAsync({ id: user.id });
        await queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      }}
    >
      {user.username} won&apos;t be able to sign in any more; their sessions and API tokens go with them. This can&apos;t be undone: to stop them only for
      now, disable them instead.
      {isSelf && <strong className="mt-2 block">This is you: you will be signed out.</strong>}
    </ConfirmDialog>
  );
}
