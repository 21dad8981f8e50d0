import { roleRank, roles, type Grant, type Role } from "@/server/contracts/access";

/** "editor on team=payments" */
export const describeGrant = (grant: Grant) => `${grant.role} on ${grant.label}`;

/** "editor on team=payments, operator on tier=edge"; "none" for no grants. */
export const describeGrants = (grants: readonly Grant[]) => (grants.length > 0 ? grants.map(describeGrant).join(", ") : "none");

/** The role just above `role` (admin stays admin): a new grant row's default, since a grant only matters when it raises. */
export const roleAbove = (role: Role): Role => roles[Math.min(roleRank[role] + 1, roles.length - 1)]!;

/** A grant no higher than the global role changes nothing. */
export const grantAddsNothing = (globalRole: Role, grant: Grant) => roleRank[grant.role] <= roleRank[globalRole];

/** The same grants, in the same order, labels compared as the server stores them (trimmed). */
export const sameGrants = (a: readonly Grant[], b: readonly Grant[]) =>
  a.length === b.length && a.every((grant, i) => grant.role === b[i]!.role && grant.label.trim() === b[i]!.label.trim());

/** The errors under `grants.N…`, by row; the list's own (`grants`: too many) is the caller's. */
export function grantRowErrors(errors: Partial<Record<string, string>>): Map<number, string> {
  const rows = new Map<number, string>();
  for (const [path, message] of Object.entries(errors)) {
    const row = /^grants\.(\d+)(\.|$)/.exec(path);
    if (row && message && !rows.has(Number(row[1]))) rows.set(Number(row[1]), message);
  }
  return rows;
}
