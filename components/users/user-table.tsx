"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { User } from "@/server/contracts/access";
import { GrantList } from "../access/grant-list";
import { RoleBadge } from "../access/role-badge";
import { RelativeTime } from "../relative-time";
import { StatusMessage } from "../status-message";
import { cellClass, rowActionClass, rowClass, TableCard } from "../table-card";
import { useTRPC } from "../trpc";
import { DeleteUserDialog } from "./delete-user-dialog";
import { UserEditDialog } from "./user-edit-dialog";

const statusTone = {
  active: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  disabled: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

/** Everyone who can sign in, with an edit and a delete per user. `selfId` marks the viewer's own row. */
export function UserTable({ selfId }: { selfId: string | null }) {
  const trpc = useTRPC();
  const { data: users, error } = useQuery(trpc.users.list.queryOptions());
  const [editing, setEditing] = useState<User>();
  const [deleting, setDeleting] = useState<User>();

  if (error) return <StatusMessage tone="error">Could not load users: {error.message}</StatusMessage>;
  if (!users) return <StatusMessage>Loading users…</StatusMessage>;
  return (
    <>
      <TableCard label="Users" headers={["Username", "Display name", "Role", "Grants", "Signs in with", "Status", "Last sign-in", ""]}>
        {users.map((user) => {
          const status = user.disabled ? "disabled" : "active";
          return (
            <tr key={user.id} data-testid={`user-${user.username}`} className={rowClass}>
              <td className={`${cellClass} font-medium`}>
                {user.username}
                {user.id === selfId && <span className="ml-2 rounded-full bg-sky-100 px-1.5 py-0.5 text-[11px] font-medium text-sky-800 dark:bg-sky-950 dark:text-sky-300">you</span>}
              </td>
              <td className={cellClass}>{user.displayName ?? <span className="text-zinc-400">—</span>}</td>
              <td className={cellClass}>
                <RoleBadge role={user.role} />
              </td>
              <td className={`${cellClass} text-xs`}>
                <GrantList grants={user.grants} />
              </td>
              <td className={cellClass}>{user.source === "oidc" ? "SSO" : "password"}</td>
              <td className={cellClass}>
                <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${statusTone[status]}`}>{status}</span>
              </td>
              <td className={`${cellClass} text-xs text-zinc-500`}>{user.lastLoginAt ? <RelativeTime iso={user.lastLoginAt} /> : "never"}</td>
              <td className={`${cellClass} whitespace-nowrap text-right`}>
                <button type="button" className={rowActionClass} aria-label={`Edit ${user.username}`} onClick={() => setEditing(user)}>
                  Edit
                </button>
                <button type="button" className={`${rowActionClass} hover:text-red-600`} aria-label={`Delete ${user.username}`} onClick={() => setDeleting(user)}>
                  Delete
                </button>
              </td>
            </tr>
          );
        })}
      </TableCard>
      {editing && <UserEditDialog user={editing} isSelf={editing.id === selfId} onClose={() => setEditing(undefined)} />}
      {deleting && <DeleteUserDialog user={deleting} isSelf={deleting.id === selfId} onClose={() => setDeleting(undefined)} />}
    </>
  );
}
