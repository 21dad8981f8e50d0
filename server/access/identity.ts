import { atLeast, highestRole, lowerOf, roleOn, type Grant, type Labels, type Me, type Role } from "../contracts/access";

/** Who made a request, once proven: a signed-in user, an API token acting for its owner, or the bootstrap token. */
export type Identity = {
  kind: "user" | "token" | "bootstrap";
  userId: string | null;
  username: string;
  displayName: string | null;
  role: Role;
  grants: Grant[];
  /** The session row behind a cookie. */
  sessionId?: string;
  tokenId?: string;
  tokenName?: string;
  /** A user created by an OIDC login (their role follows the provider; they have no password here). */
  sso: boolean;
  /** A cookie rides along on any request the browser makes, so state changes need more proof (see request-guard). */
  via: "cookie" | "bearer";
};

/** How the event log names who did something. */
export function actorOf(identity: Identity): string {
  if (identity.kind === "user") return `user:${identity.username}`;
  if (identity.kind === "token") return `token:${identity.username}/${identity.tokenName}`;
  return "bootstrap";
}

/** Globally, or — given a service's labels — on that service. */
export const may = (identity: Identity, needed: Role, labels?: Labels) =>
  atLeast(labels ? roleOn(identity.role, identity.grants, labels) : identity.role, needed);

/** Could this identity hold `needed` anywhere (on some labelled service, at least)? */
export const mayAnywhere = (identity: Identity, needed: Role) => atLeast(highestRole(identity.role, identity.grants), needed);

/** A token never does more than its owner, nor more than the role it was made with. */
export function capGrants(grants: readonly Grant[], cap: Role): Grant[] {
  return grants.map((g) => ({ ...g, role: lowerOf(g.role, cap) }));
}

export function describeIdentity(identity: Identity, logRole: Role): Me {
  return {
    kind: identity.kind,
    username: identity.username,
    displayName: identity.displayName,
    role: identity.role,
    grants: identity.grants,
    logRole,
    sso: identity.sso,
    userId: identity.userId,
  };
}
