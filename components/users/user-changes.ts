import type { Grant, Role, User, UserUpdateInput } from "@/server/contracts/access";
import { sameGrants } from "../access/grants";

/** The edit dialog's fields as typed. */
export type UserDraft = { displayName: string; role: Role; grants: Grant[]; disabled: boolean; password: string };

export const draftOf = (user: User): UserDraft => ({ displayName: user.displayName ?? "", role: user.role, grants: user.grants, disabled: user.disabled, password: "" });

/** Only what changed: an unchanged field is left out, and an empty password means "keep it". */
export function userChanges(user: User, draft: UserDraft): UserUpdateInput {
  const input: UserUpdateInput = { id: user.id };
  if (draft.displayName.trim() !== (user.displayName ?? "")) input.displayName = draft.displayName;
  if (draft.role !== user.role) input.role = draft.role;
  if (!sameGrants(draft.grants, user.grants)) input.grants = draft.grants;
  if (draft.disabled !== user.disabled) input.disabled = draft.disabled;
  if (draft.password !== "") input.password = draft.password;
  return input;
}

/** Whether saving these changes ends the user's sessions (the server does so for all but the display name). */
export const endsSessions = (input: UserUpdateInput) =>
  input.role !== undefined || input.grants !== undefined || input.disabled !== undefined || input.password !== undefined;
