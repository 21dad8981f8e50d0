import { atLeast, roles, type Role } from "@/server/contracts/access";

/** How long a new token lasts; "never" sends null. */
export const expiryChoices = [
  { value: "30", label: "30 days", days: 30 },
  { value: "90", label: "90 days", days: 90 },
  { value: "365", label: "365 days", days: 365 },
  { value: "never", label: "Never", days: null },
] as const;
export type ExpiryChoice = (typeof expiryChoices)[number]["value"];

export const expiryDays = (choice: ExpiryChoice): number | null => expiryChoices.find((c) => c.value === choice)!.days;

/** The roles a token may get: none above its maker's, nor above the user it acts for. */
export const assignableRoles = (maker: Role, owner: Role = maker): Role[] => roles.filter((role) => atLeast(maker, role) && atLeast(owner, role));

/** `wanted` if it may be given, else the highest that may. */
export const clampRole = (wanted: Role, allowed: readonly Role[]): Role => (allowed.includes(wanted) ? wanted : (allowed.at(-1) ?? "viewer"));

/** A command that proves the token works: it lists the services. */
export const curlExample = (secret: string, origin: string) => `curl -H "Authorization: Bearer ${secret}" ${origin}/api/trpc/services.list`;
