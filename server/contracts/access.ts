import { z } from "zod";
import { hasName, namedRecord } from "./keys";

/** Each role can do everything the ones before it can. */
export const roles = ["viewer", "operator", "editor", "admin"] as const;
export type Role = (typeof roles)[number];

export const roleRank: Record<Role, number> = { viewer: 0, operator: 1, editor: 2, admin: 3 };

export const atLeast = (held: Role, needed: Role) => roleRank[held] >= roleRank[needed];
export const lowerOf = (a: Role, b: Role): Role => (roleRank[a] <= roleRank[b] ? a : b);

/** What each role adds, for the UI's tooltips and the users page. */
export const roleDescriptions: Record<Role, string> = {
  viewer: "sees everything except secret values, instance logs included",
  operator: "scales, restarts and stops instances, sends traffic, pauses, resumes, aborts and rolls back rollouts",
  editor: "creates, changes and deletes services, dependencies, routes and settings",
  admin: "manages users, API tokens and sign-in settings",
};

export const labelKey = z
  .string()
  .trim()
  .min(1, "a label key is required")
  .max(63, "label keys are at most 63 characters")
  .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i, "label keys are letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
export const labelValue = z
  .string()
  .trim()
  .max(63, "label values are at most 63 characters")
  .regex(/^([a-z0-9]([-a-z0-9_.]*[a-z0-9])?)?$/i, "label values are letters, digits, '-', '_' and '.', starting and ending with a letter or digit");

/** A service's labels, as Kubernetes has them: team=payments, tier=edge. */
export const serviceLabels = namedRecord(labelKey, labelValue).refine((labels) => Object.keys(labels).length <= 32, "at most 32 labels");
export type Labels = Record<string, string>;

/** `key=value`: the services a scoped grant covers. */
export const labelSelector = z
  .string()
  .trim()
  .regex(/^[^=\s]+=[^=\s]*$/, "a label selector looks like team=payments")
  .refine((selector) => {
    const [key, value] = selector.split("=") as [string, string];
    return labelKey.safeParse(key).success && labelValue.safeParse(value).success;
  }, "a label selector looks like team=payments");

/** A role on the services carrying one label; it can only raise what the global role gives. */
export const grant = z.object({ role: z.enum(roles), label: labelSelector });
export type Grant = z.infer<typeof grant>;

export const matchesSelector = (labels: Labels, selector: string) => {
  const [key, value] = selector.split("=") as [string, string];
  return hasName(labels, key) && labels[key] === value;
};

/** A user's role on a service with these labels: the global role, raised by any grant that matches. */
export function roleOn(role: Role, grants: readonly Grant[], labels: Labels): Role {
  let best = role;
  for (const g of grants) if (roleRank[g.role] > roleRank[best] && matchesSelector(labels, g.label)) best = g.role;
  return best;
}

/** The highest role held anywhere (globally or through a grant). */
export function highestRole(role: Role, grants: readonly Grant[]): Role {
  return grants.reduce<Role>((best, g) => (roleRank[g.role] > roleRank[best] ? g.role : best), role);
}

export const username = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "username is required")
  .max(64, "usernames are at most 64 characters")
  .regex(/^[a-z0-9][-a-z0-9_.@]*$/, "usernames are letters, digits, '-', '_', '.' and '@', starting with a letter or digit");

/** Long enough to resist guessing; no composition rules (NIST SP 800-63B). */
export const password = z
  .string()
  .min(10, "passwords are at least 10 characters")
  .max(1024, "passwords are at most 1024 characters");

const grants = z.array(grant).max(50);

export const userCreateInput = z.object({
  username,
  displayName: z.string().trim().max(128).optional(),
  password,
  role: z.enum(roles),
  grants: grants.default([]),
});
export type UserCreateInput = z.input<typeof userCreateInput>;

export const userUpdateInput = z.object({
  id: z.string().uuid(),
  displayName: z.string().trim().max(128).optional(),
  role: z.enum(roles).optional(),
  grants: grants.optional(),
  disabled: z.boolean().optional(),
  /** Set a new password (admins, for someone who forgot theirs). */
  password: password.optional(),
});
export type UserUpdateInput = z.input<typeof userUpdateInput>;

export const passwordChangeInput = z.object({ current: z.string().min(1, "enter your current password").max(1024), next: password });

export type User = {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  grants: Grant[];
  /** How they sign in. */
  source: "password" | "oidc";
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
};

export const tokenName = z
  .string()
  .trim()
  .min(1, "a token needs a name")
  .max(64, "token names are at most 64 characters")
  .regex(/^[-a-zA-Z0-9_. ]+$/, "token names are letters, digits, spaces, '-', '_' and '.'");

export const tokenCreateInput = z.object({
  name: tokenName,
  role: z.enum(roles),
  /** Days until it stops working; null for never. */
  expiresInDays: z.number().int().min(1, "at least 1 day").max(3650, "at most 10 years").nullable().default(90),
  /** Admins may make a token for someone else (it acts for that user). */
  userId: z.string().uuid().optional(),
});
export type TokenCreateInput = z.input<typeof tokenCreateInput>;

export type ApiToken = {
  id: string;
  name: string;
  role: Role;
  userId: string;
  username: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
};

/** What the creator sees once, and never again. */
export type CreatedToken = ApiToken & { secret: string };

export type SessionInfo = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  address: string | null;
  /** The session this request came with. */
  current: boolean;
};

/** Who is asking, as the dashboard needs to know it. */
export type Me = {
  kind: "user" | "token" | "bootstrap";
  username: string;
  displayName: string | null;
  role: Role;
  grants: Grant[];
  /** The role instance logs need (GANTRY_LOG_ROLE). */
  logRole: Role;
  /** Signs in through single sign-on: no password here, and the role follows the provider. */
  sso: boolean;
  userId: string | null;
};

/** How one signs in here: the login page asks before showing its form. */
export type SignInOptions = {
  /** No user exists yet: the setup link printed at boot creates the first admin. */
  setupRequired: boolean;
  oidc: { name: string } | null;
};

/** Where to go after signing in: only paths on this Gantry (`//host` and `/\\host` would leave it). */
export const safeNext = (next: string | null | undefined) => (next && /^\/(?![/\\])/.test(next) ? next : "/");

/** The header the dashboard sends with every state change: a cross-site form cannot set it. */
export const CSRF_HEADER = "x-gantry-csrf";

/** Close codes of realtime sockets whose access ended (the dashboard then asks to sign in again). */
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_ACCESS_CHANGED = 4403;
