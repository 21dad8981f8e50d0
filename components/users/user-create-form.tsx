"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { userCreateInput, type Grant, type Role, type User } from "@/server/contracts/access";
import { FormCard } from "../form-card";
import { FormField, inputClass } from "../form-field";
import { RoleField } from "../access/role-field";
import { useTRPC } from "../trpc";
import { useCheckedForm } from "../use-checked-form";
import { GrantsEditor } from "./grants-editor";

const fields = ["username", "displayName", "password", "role", "grants"];

/** A new person with a password, a role and any grants; checked with the server's own contract first. */
export function UserCreateForm({ onDone, onCancel }: { onDone(user: User): void; onCancel(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.users.create.mutationOptions());
  const { errors, fid, submit, inputProps } = useCheckedForm(fields);
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [grants, setGrants] = useState<Grant[]>([]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const created = await submit(userCreateInput, { username, displayName, password, role, grants }, (input) => create.mutateAsync(input));
    if (!created) return;
    void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
    onDone(created.value);
  }

  return (
    <FormCard label="Add user" submitLabel="Create user" pendingLabel="Creating…" pending={create.isPending} error={errors.form} onSubmit={onSubmit} onCancel={onCancel}>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id={fid("username")} label="Username" hint="Letters, digits, '-', '_', '.' and '@'" error={errors.username}>
          <input {...inputProps("username")} value={username} onChange={(e) => setUsername(e.target.value)} className={inputClass} autoComplete="off" autoFocus />
        </FormField>
        <FormField id={fid("displayName")} label="Display name" hint="Optional, e.g. Alice Martin" error={errors.displayName}>
          <input {...inputProps("displayName")} value={displayName} onChange={(e) => setDisplayName(e.target.value)} className={inputClass} autoComplete="off" />
        </FormField>
        <FormField id={fid("password")} label="Password" hint="At least 10 characters; they can change it on their account page" error={errors.password}>
          <input {...inputProps("password")} type="password" value={password} onChange={(e) => setPassword(e.target.value)} className={inputClass} autoComplete="new-password" />
        </FormField>
        <RoleField id={fid("role")} value={role} error={errors.role} onChange={setRole} />
      </div>
      <GrantsEditor grants={grants} globalRole={role} errors={errors} onChange={setGrants} />
    </FormCard>
  );
}
