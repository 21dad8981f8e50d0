"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { userUpdateInput, type User } from "@/server/contracts/access";
import { buttonClass, FormField, inputClass } from "../form-field";
import { FormError } from "../form-error";
import { RoleField } from "../access/role-field";
import { Modal } from "../shell/modal";
import { useTRPC } from "../trpc";
import { useCheckedForm } from "../use-checked-form";
import { GrantsEditor } from "./grants-editor";
import { draftOf, endsSessions, userChanges, type UserDraft } from "./user-changes";

const fields = ["displayName", "role", "grants", "disabled", "password"];

/** Changes a user's display name, role, grants, status or password; only what changed is sent. */
export function UserEditDialog({ user, isSelf, onClose }: { user: User; isSelf: boolean; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.users.update.mutationOptions());
  const [draft, setDraft] = useState<UserDraft>(() => draftOf(user));
  const { errors, fid, submit, inputProps } = useCheckedForm(fields);
  const set = <K extends keyof UserDraft>(key: K, value: UserDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const changes = userChanges(user, draft);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    // Only the id: nothing changed, nothing to send.
    const saved = await submit(userUpdateInput, changes, (input) => (Object.keys(changes).length > 1 ? update.mutateAsync(input) : Promise.resolve(undefined)));
    if (!saved) return;
    void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
    onClose();
  }

  return (
    <Modal label={`Edit ${user.username}`} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate aria-label={`Edit ${user.username}`} className="max-h-[80vh] space-y-4 overflow-y-auto pr-1">
        <h2 className="text-base font-semibold">Edit {user.username}</h2>
        <FormField id={fid("displayName")} label="Display name" error={errors.displayName}>
          <input {...inputProps("displayName")} value={draft.displayName} onChange={(e) => set("displayName", e.target.value)} className={inputClass} autoComplete="off" />
        </FormField>
        <RoleField id={fid("role")} value={draft.role} error={errors.role} onChange={(role) => set("role", role)} />
        {user.source === "oidc" && <p className="text-xs text-amber-700 dark:text-amber-400">{user.username} signs in through single sign-on: their role follows the provider again at their next sign-in.</p>}
        <GrantsEditor grants={draft.grants} globalRole={draft.role} errors={errors} onChange={(grants) => set("grants", grants)} />
        <div className="space-y-1">
          <label className="flex items-center gap-2 text-sm font-medium">
            <input type="checkbox" checked={draft.disabled} onChange={(e) => set("disabled", e.target.checked)} /> Disabled
          </label>
          <p className="text-xs text-zinc-500">A disabled user can't sign in, and their API tokens stop working.</p>
        </div>
        <FormField id={fid("password")} label="New password" hint="Leave empty to keep the current one" error={errors.password}>
          <input {...inputProps("password")} type="password" value={draft.password} onChange={(e) => set("password", e.target.value)} className={inputClass} autoComplete="new-password" />
        </FormField>
        <p className={`text-xs ${endsSessions(changes) ? "text-amber-700 dark:text-amber-400" : "text-zinc-500"}`} data-testid="session-hint">
          {isSelf
            ? "This is you: changing your role, grants, status or password signs you out everywhere, this browser included."
            : `Changing ${user.username}'s role, grants, status or password ends their sessions: they sign in again.`}
        </p>
        <FormError>{errors.form}</FormError>
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass.secondary} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={buttonClass.primary} disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save changes"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
