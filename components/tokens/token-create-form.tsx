"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { tokenCreateInput, type CreatedToken, type Me, type Role } from "@/server/contracts/access";
import { FormCard } from "../form-card";
import { FormField, inputClass } from "../form-field";
import { RoleField } from "../access/role-field";
import { useTRPC } from "../trpc";
import { useCheckedForm } from "../use-checked-form";
import { assignableRoles, clampRole, expiryChoices, expiryDays, type ExpiryChoice } from "./token-options";

const fields = ["name", "role", "expiresInDays", "userId"];

/**
 * A new API token: its name, role (up to the caller's own, and its owner's) and expiry. Admins
 * may make one that acts for someone else; the bootstrap token, which is nobody, has to.
 */
export function TokenCreateForm({ me, onCreated, onCancel }: { me: Me; onCreated(token: CreatedToken): void; onCancel(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.tokens.create.mutationOptions());
  const admin = me.role === "admin";
  const { data: users } = useQuery({ ...trpc.users.list.queryOptions(), enabled: admin });
  const [name, setName] = useState("");
  const [wantedRole, setRole] = useState<Role>("viewer");
  const [expiry, setExpiry] = useState<ExpiryChoice>("90");
  const [ownerId, setOwnerId] = useState(me.userId ?? "");
  const { errors, fid, submit, inputProps } = useCheckedForm(fields);

  const owner = users?.find((user) => user.id === ownerId);
  const allowed = assignableRoles(me.role, owner?.role);
  const role = clampRole(wantedRole, allowed);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const raw = { name, role, expiresInDays: expiryDays(expiry), userId: ownerId === me.userId ? undefined : ownerId };
    const created = await submit(tokenCreateInput, raw, (input) => create.mutateAsync(input), ownerId ? {} : { userId: "choose the user this token acts for" });
    if (!created) return;
    void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
    onCreated(created.value);
  }

  return (
    <FormCard label="New token" submitLabel="Create token" pendingLabel="Creating…" pending={create.isPending} error={errors.form} onSubmit={onSubmit} onCancel={onCancel}>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id={fid("name")} label="Name" hint="What uses it, e.g. ci deploy" error={errors.name}>
          <input {...inputProps("name")} value={name} onChange={(e) => setName(e.target.value)} className={inputClass} autoComplete="off" autoFocus />
        </FormField>
        {admin && (
          <FormField id={fid("userId")} label="Acts for" hint="The token does what this user may, never more" error={errors.userId}>
            <select {...inputProps("userId")} value={ownerId} onChange={(e) => setOwnerId(e.target.value)} className={inputClass}>
              {!me.userId && <option value="">Choose a user…</option>}
              {me.userId && !users && <option value={me.userId}>{me.username} (you)</option>}
              {users
                ?.filter((user) => !user.disabled)
                .map((user) => (
                  <option key={user.id} value={user.id}>
                    {user.username}
                    {user.id === me.userId ? " (you)" : ` (${user.role})`}
                  </option>
                ))}
            </select>
          </FormField>
        )}
        <RoleField id={fid("role")} value={role} allowed={allowed} error={errors.role} onChange={setRole} />
        <FormField id={fid("expiresInDays")} label="Expires" error={errors.expiresInDays}>
          <select {...inputProps("expiresInDays")} value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)} className={inputClass}>
            {expiryChoices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </FormField>
      </div>
    </FormCard>
  );
}
