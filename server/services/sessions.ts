import { username as usernameSchema, type SessionInfo } from "../contracts/access";
import type { Identity } from "../access/identity";
import { LoginThrottle } from "../access/login-throttle";
import { verifyPassword } from "../access/passwords";
import { hashSecret, newSecret } from "../access/secrets";
import { AppError, notFound } from "../lib/app-error";
import type { Clock } from "../lib/clock";
import { newId } from "../lib/ids";
import type { Logger } from "../lib/logger";
import { auditedTransaction } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";

export type SessionsDeps = { prisma: Prisma; feed: ChangeFeed; clock: Clock; log: Logger; sessionMaxMs: number; sessionIdleMs: number };

/** Where a sign-in comes from: for the throttle and the sessions list. */
export type ClientInfo = { address: string; userAgent: string | undefined };

export type OpenedSession = { secret: string; expiresAt: Date };

const WRONG = "wrong username or password";

/** Signing in and out, and the sessions a user has open. */
export function createSessions({ prisma, feed, clock, log, sessionMaxMs, sessionIdleMs }: SessionsDeps) {
  // An account: 5 free tries, then 1 s, 2 s, 4 s… up to 15 min. An address: more free tries
  // (several people behind one NAT), the same growth.
  const accounts = new LoginThrottle(clock, { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 10_000 });
  const addresses = new LoginThrottle(clock, { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 10_000 });

  async function open(userId: string, username: string, client: ClientInfo, how: string): Promise<OpenedSession> {
    const secret = newSecret();
    const now = clock.now();
    const expiresAt = new Date(now + sessionMaxMs);
    await auditedTransaction(prisma, feed, `user:${username}`, async (tx, record) => {
      await tx.session.create({
        data: { id: newId(), secretHash: hashSecret(secret), userId, expiresAt, createdAt: new Date(now), lastSeenAt: new Date(now), userAgent: client.userAgent?.slice(0, 256) ?? null, address: client.address },
      });
      await tx.user.update({ where: { id: userId }, data: { lastLoginAt: new Date(now) } });
      await record.event({ kind: "user.signed-in", message: `${username} signed in ${how} from ${client.address}`, data: { userId, address: client.address } });
    });
    return { secret, expiresAt };
  }

  async function end(actor: string, ids: string[]) {
    if (ids.length === 0) return;
    await auditedTransaction(prisma, feed, actor, async (tx, record) => {
      await tx.session.deleteMany({ where: { id: { in: ids } } });
      record.change({ type: "access", change: { kind: "sessions.ended", sessionIds: ids } });
    });
  }

  const own = (identity: Identity) => {
    if (identity.kind !== "user" || !identity.userId) throw new AppError("BAD_REQUEST", "only a signed-in user has sessions");
    return identity.userId;
  };

  return {
    /**
     * Password sign-in. Throttled per account and per address; a refusal never says whether the
     * user exists (unknown names cost the same argon2 time as wrong passwords).
     */
    async signIn(raw: { username: unknown; password: unknown }, client: ClientInfo): Promise<OpenedSession> {
      const name = usernameSchema.safeParse(raw.username);
      const password = typeof raw.password === "string" && raw.password.length <= 1024 ? raw.password : undefined;
      const accountKey = name.success ? name.data : "";
      const wait = Math.max(accounts.retryAfter(accountKey), addresses.retryAfter(client.address));
      if (wait > 0) throw new AppError("TOO_MANY_REQUESTS", `too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`);
      const row = name.success ? await prisma.user.findUnique({ where: { username: name.data } }) : null;
      const verified = await verifyPassword(row?.passwordHash, password ?? "");
      if (!row || !verified || password === undefined || row.disabled) {
        accounts.failed(accountKey);
        addresses.failed(client.address);
        log.warn({ username: accountKey, address: client.address }, "sign-in refused");
        throw new AppError("UNAUTHORIZED", WRONG);
      }
      accounts.succeeded(accountKey);
      return open(row.id, row.username, client, "with a password");
    },

    /** For the setup link and single sign-on, whose proof was checked elsewhere. */
    open,

    async list(identity: Identity): Promise<SessionInfo[]> {
      const userId = own(identity);
      const now = clock.now();
      const rows = await prisma.session.findMany({ where: { userId, expiresAt: { gt: new Date(now) } }, orderBy: { lastSeenAt: "desc" } });
      return rows
        .filter((row) => row.id === identity.sessionId || now - row.lastSeenAt.getTime() < sessionIdleMs)
        .map((row) => ({
          id: row.id,
          createdAt: row.createdAt.toISOString(),
          // The current one is active right now, whatever the stored (throttled) time says.
          lastSeenAt: (row.id === identity.sessionId ? new Date(now) : row.lastSeenAt).toISOString(),
          expiresAt: row.expiresAt.toISOString(),
          userAgent: row.userAgent,
          address: row.address,
          current: row.id === identity.sessionId,
        }));
    },

    async end(identity: Identity, id: string): Promise<void> {
      const userId = own(identity);
      const row = await prisma.session.findFirst({ where: { id, userId } });
      if (!row) throw notFound(`session ${id}`);
      await end(`user:${identity.username}`, [id]);
    },

    async signOut(identity: Identity): Promise<void> {
      if (identity.sessionId) await end(`user:${identity.username}`, [identity.sessionId]);
    },

    /** "Sign out everywhere": every session of this user, this one included. */
    async endAll(identity: Identity): Promise<number> {
      const userId = own(identity);
      const ids = (await prisma.session.findMany({ where: { userId }, select: { id: true } })).map((s) => s.id);
      await end(`user:${identity.username}`, ids);
      return ids.length;
    },

    /** Removes sessions past their end (absolute or idle; stored activity lags by up to a minute, hence the margin). */
    async prune(): Promise<number> {
      const now = clock.now();
      const { count } = await prisma.session.deleteMany({
        where: { OR: [{ expiresAt: { lte: new Date(now) } }, { lastSeenAt: { lte: new Date(now - sessionIdleMs - 2 * 60_000) } }] },
      });
      return count;
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
