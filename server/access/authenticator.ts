import type { IncomingMessage } from "node:http";
import { lowerOf, type Grant, type Role } from "../contracts/access";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import type { AccessChange } from "../store/changes";
import type { Prisma } from "../store/database";
import { storedGrants, storedRole } from "../store/records";
import { capGrants, type Identity } from "./identity";
import { hashSecret } from "./secrets";

export const SESSION_COOKIE = "gantry_session";
/** Under TLS: the __Host- prefix makes the browser refuse it unless Secure, host-only and Path=/. */
export const SECURE_SESSION_COOKIE = "__Host-gantry_session";

export type AuthenticatorOptions = {
  prisma: Prisma;
  clock: Clock;
  log: Logger;
  sessionIdleMs: number;
  bootstrapToken: string | undefined;
  /** Cached rows are read again this often, so edits made outside Gantry are seen. */
  refreshMs?: number;
};

type UserRow = { id: string; username: string; displayName: string | null; role: Role; grants: Grant[]; disabled: boolean; sso: boolean };
type Cached<T> = { value: T; loadedAt: number };
type SessionEntry = { id: string; userId: string; expiresAt: number; lastSeenAt: number; savedSeenAt: number };
type TokenEntry = { id: string; userId: string; name: string; role: Role; expiresAt: number | null; savedUsedAt: number };

/** Stored touches (last seen, last used) at most this often: a busy dashboard must not write on every request. */
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;


export type Authenticator = ReturnType<typeof createAuthenticator>;

/**
 * Turns the secret a request carries (session cookie, bearer or Consul token) into an Identity.
 * Hot path: every request asks, so proven sessions, tokens and their users are cached in memory —
 * keyed by the secret's hash, never the secret — and dropped when the change feed says so.
 */
export function createAuthenticator({ prisma, clock, log, sessionIdleMs, bootstrapToken, refreshMs = 30_000 }: AuthenticatorOptions) {
  const users = new Map<string, Cached<UserRow | undefined>>();
  const sessions = new Map<string, Cached<SessionEntry>>();
  const tokens = new Map<string, Cached<TokenEntry>>();
  const bootstrapHash = bootstrapToken ? hashSecret(bootstrapToken) : undefined;

  const stale = (entry: Cached<unknown>) => clock.now() - entry.loadedAt > refreshMs;
  const remember = <T>(map: Map<string, Cached<T>>, key: string, value: T) => {
    if (map.size >= MAX_CACHED) map.delete(map.keys().next().value!);
    map.set(key, { value, loadedAt: clock.now() });
  };

  async function user(id: string): Promise<UserRow | undefined> {
    const cached = users.get(id);
    if (cached && !stale(cached)) return cached.value;
    const row = await prisma.user.findUnique({ where: { id }, select: { id: true, username: true, displayName: true, role: true, grants: true, disabled: true, oidcSubject: true } });
    const value = row ? { id: row.id, username: row.username, displayName: row.displayName, role: storedRole(row.role), grants: storedGrants.parse(row.grants), disabled: row.disabled, sso: row.oidcSubject !== null } : undefined;
    remember(users, id, value);
    return value;
  }

  const touch = (what: string, write: () => Promise<unknown>) =>
    void write().catch((err: unknown) => log.debug({ err }, `recording ${what} failed (it may have just ended)`));

  async function fromSession(secret: string): Promise<Identity | undefined> {
    const hash = hashSecret(secret);
    let cached = sessions.get(hash);
    if (!cached || stale(cached)) {
      const row = await prisma.session.findUnique({ where: { secretHash: hash } });
      if (!row) return void sessions.delete(hash);
      const lastSeenAt = Math.max(row.lastSeenAt.getTime(), cached?.value.lastSeenAt ?? 0);
      remember(sessions, hash, { id: row.id, userId: row.userId, expiresAt: row.expiresAt.getTime(), lastSeenAt, savedSeenAt: row.lastSeenAt.getTime() });
      cached = sessions.get(hash)!;
    }
    const session = cached.value;
    const now = clock.now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= sessionIdleMs) {
      sessions.delete(hash);
      touch("an expired session's end", () => prisma.session.deleteMany({ where: { id: session.id } }));
      return undefined;
    }
    const owner = await user(session.userId);
    if (!owner || owner.disabled) return undefined;
    session.lastSeenAt = now;
    if (now - session.savedSeenAt >= TOUCH_EVERY_MS) {
      session.savedSeenAt = now;
      touch("session activity", () => prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } }));
    }
    return { kind: "user", userId: owner.id, username: owner.username, displayName: owner.displayName, role: owner.role, grants: owner.grants, sso: owner.sso, sessionId: session.id, via: "cookie" };
  }

  async function fromToken(secret: string): Promise<Identity | undefined> {
    const hash = hashSecret(secret);
    if (bootstrapHash && hash === bootstrapHash) {
      return { kind: "bootstrap", userId: null, username: "bootstrap", displayName: "Bootstrap token", role: "admin", grants: [], sso: false, via: "bearer" };
    }
    let cached = tokens.get(hash);
    if (!cached || stale(cached)) {
      const row = await prisma.apiToken.findUnique({ where: { secretHash: hash } });
      if (!row) return void tokens.delete(hash);
      const savedUsedAt = row.lastUsedAt?.getTime() ?? 0;
      remember(tokens, hash, { id: row.id, userId: row.userId, name: row.name, role: storedRole(row.role), expiresAt: row.expiresAt?.getTime() ?? null, savedUsedAt });
      cached = tokens.get(hash)!;
    }
    const token = cached.value;
    const now = clock.now();
    if (token.expiresAt !== null && now >= token.expiresAt) return undefined;
    const owner = await user(token.userId);
    if (!owner || owner.disabled) return undefined;
    if (now - token.savedUsedAt >= TOUCH_EVERY_MS) {
      token.savedUsedAt = now;
      touch("token use", () => prisma.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } }));
    }
    return {
      kind: "token",
      userId: owner.id,
      username: owner.username,
      displayName: owner.displayName,
      role: lowerOf(owner.role, token.role),
      grants: capGrants(owner.grants, token.role),
      sso: owner.sso,
      tokenId: token.id,
      tokenName: token.name,
      via: "bearer",
    };
  }

  async function identifyBy(credential: Credential): Promise<Identity | undefined> {
    if (credential?.kind === "bearer") return fromToken(credential.secret);
    return credential?.kind === "cookie" ? fromSession(credential.secret) : undefined;
  }

  return {
    fromSession,
    fromToken,

    /** Bearer or Consul token first (explicit beats ambient), then the session cookie. */
    async identify(req: IncomingMessage): Promise<Identity | undefined> {
      return identifyBy(credentialOf(req));
    },

    /**
     * Asks again later with the secret `req` carried, not the request itself: a WebSocket re-checks
     * for as long as it lives, and a request kept that long holds its headers and stream state.
     */
    recheckerOf(req: IncomingMessage): () => Promise<Identity | undefined> {
      const credential = credentialOf(req);
      return () => identifyBy(credential);
    },

    /** Called for every committed access change. */
    forget(change: AccessChange): void {
      if (change.kind === "sessions.ended") {
        const ended = new Set(change.sessionIds);
        for (const [hash, entry] of sessions) if (ended.has(entry.value.id)) sessions.delete(hash);
      } else if (change.kind === "token.revoked") {
        for (const [hash, entry] of tokens) if (entry.value.id === change.tokenId) tokens.delete(hash);
      } else {
        users.delete(change.userId);
        for (const [hash, entry] of sessions) if (entry.value.userId === change.userId) sessions.delete(hash);
        for (const [hash, entry] of tokens) if (entry.value.userId === change.userId) tokens.delete(hash);
      }
    },
  };
}

type Credential = { kind: "bearer" | "cookie"; secret: string } | undefined;

function credentialOf(req: IncomingMessage): Credential {
  const bearer = bearerToken(req);
  if (bearer !== undefined) return { kind: "bearer", secret: bearer };
  const cookie = sessionCookie(req);
  return cookie === undefined ? undefined : { kind: "cookie", secret: cookie };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? "";
  const consul = req.headers["x-consul-token"];
  return typeof consul === "string" ? consul.trim() : undefined;
}

export function sessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    if (name === SECURE_SESSION_COOKIE || name === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}
