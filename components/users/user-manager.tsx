"use client";

import { useState } from "react";
import { buttonClass } from "../form-field";
import { PageHeader } from "../page-header";
import { SecretKeyRotation } from "./secret-key-rotation";
import { UserCreateForm } from "./user-create-form";
import { UserTable } from "./user-table";

export const usersTitle = "Users";
export const usersDescription = "Who can sign in to Gantry, and what each may do.";

/** The admin's users page: the list, and the form to add someone. */
export function UserManager({ selfId }: { selfId: string | null }) {
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string>();
  return (
    <>
      <PageHeader
        title={usersTitle}
        description={usersDescription}
        actions={
          !creating && (
            <button type="button" className={buttonClass.primary} onClick={() => (setCreating(true), setCreated(undefined))}>
              Add user
            </button>
          )
        }
      />
      {creating && (
        <UserCreateForm
          onDone={(user) => {
            setCreating(false);
            setCreated(user.username);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {created && (
        <p role="status" className="mb-4 text-sm text-emerald-700 dark:text-emerald-400">
          Created {created}.
        </p>
      )}
      <p className="mb-3 text-xs text-zinc-500">
        Changing someone&apos;s role, grants, status or password ends their sessions: they sign in again, with what they may do now.
      </p>
      <UserTable selfId={selfId} />
      <div className="mt-10">
        <SecretKeyRotation />
      </div>
    </>
  );
}
