import {
  passwordChangeInput,
  userCreateInput,
  userUpdateInput,
  type Role,
  type User,
  type UserCreateInput,
  type UserUpdateInput,
} from "../contracts/access";
import type { Identity } from "../access/identity";
import { hashPassword, verifyPassword } from "../access/passwords";
import { AppError, notFound } from "../lib/app-error";
import { newId } from "../lib/ids";
import { auditedTransaction, type Recorder, type Tx } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import { isUniqueViolation } from "../store/errors";
import { toUser } from "../store/records";

export type UsersDeps = { prisma: Prisma; feed: ChangeFeed };

/** Taken inside every transaction that could leave no admin, or create the first one: they run one at a time. */
const ADMINS_LOCK = 4_812_397_216;

const usernameTaken = (username: string) => new AppError("CONFLICT", `a user named ${username} already exists`, "username");

/** People who sign in: created by admins (or the setup link, or an OIDC login), with a role and grants. */
export function createUsers({ prisma, feed }: UsersDeps) {
  /** Ends every session of a user whose access changed, inside the change's transaction. */
  async function endAccess(tx: Tx, record: Recorder, userId: string) {
    await tx.session.deleteMany({ where: { userId } });
    record.change({ type: "access", change: { kind: "user.changed", userId } });
  }

  async function lockAdmins(tx: Tx) {
    await tx.$executeRawUnsafe(`SELECT 1 FROM pg_advisory_xact_lock(${ADMINS_LOCK})`);
  }

  /** Refuses a change that would leave nobody able to manage users. */
  async function keepAnAdmin(tx: Tx, changing: string) {
    const others = await tx.user.count({ where: { role: "admin", disabled: false, id: { not: changing } } });
    if (others === 0) throw new AppError("CONFLICT", "this is the last active admin: make someone else admin first");
  }

  async function insert(tx: Tx, record: Recorder, input: ReturnType<typeof userCreateInput.parse>, verb: string) {
    const existing = await tx.user.findUnique({ where: { username: input.username } });
    if (existing) throw usernameTaken(input.username);
    const row = await tx.user.create({
      data: {
        id: newId(),
        username: input.username,
        displayName: input.displayName || null,
        passwordHash: await hashPassword(input.password),
        role: input.role,
        grants: input.grants,
      },
    });
    await record.event({ kind: "user.created", message: `${verb} ${row.username} (${row.role})`, data: { userId: row.id, role: row.role, grants: input.grants } });
    return toUser(row);
  }

  return {
    count: () => prisma.user.count(),

    async list(): Promise<User[]> {
      return (await prisma.user.findMany({ orderBy: { username: "asc" } })).map(toUser);
    },

    async create(raw: UserCreateInput, actor: string): Promise<User> {
      const input = userCreateInput.parse(raw);
      try {
        return await auditedTransaction(prisma, feed, actor, (tx, record) => insert(tx, record, input, "created user"));
      } catch (err) {
        throw isUniqueViolation(err) ? usernameTaken(input.username) : err;
      }
    },

    /** The first admin, from the setup link or GANTRY_ADMIN_PASSWORD; refused once anyone exists. */
    async createFirstAdmin(raw: { username: string; password: string }, actor: string): Promise<User | undefined> {
      const input = userCreateInput.parse({ ...raw, role: "admin" });
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        await lockAdmins(tx);
        if ((await tx.user.count()) > 0) return undefined;
        return insert(tx, record, input, "created the first admin,");
      });
    },

    async update(raw: UserUpdateInput, actor: string): Promise<User> {
      const input = userUpdateInput.parse(raw);
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        await lockAdmins(tx);
        const row = await tx.user.findUnique({ where: { id: input.id } });
        if (!row) throw notFound(`user ${input.id}`);
        const losesAdmin = row.role === "admin" && !row.disabled && ((input.role && input.role !== "admin") || input.disabled === true);
        if (losesAdmin) await keepAnAdmin(tx, row.id);
        if (input.password !== undefined && row.oidcSubject) throw new AppError("BAD_REQUEST", `${row.username} signs in through single sign-on and has no password here`, "password");
        const updated = await tx.user.update({
          where: { id: row.id },
          data: {
            displayName: input.displayName === undefined ? undefined : input.displayName || null,
            role: input.role,
            grants: input.grants,
            disabled: input.disabled,
            passwordHash: input.password === undefined ? undefined : await hashPassword(input.password),
          },
        });
        const changed = [
          input.role !== undefined && input.role !== row.role && `role ${row.role} → ${input.role}`,
          input.grants !== undefined && JSON.stringify(input.grants) !== JSON.stringify(row.grants) && "grants",
          input.disabled !== undefined && input.disabled !== row.disabled && (input.disabled ? "disabled" : "enabled"),
          input.password !== undefined && "password reset",
        ].filter((c): c is string => Boolean(c));
        // Any change to what they may do (or how they prove who they are) ends their sessions.
        if (changed.length > 0) await endAccess(tx, record, row.id);
        await record.event({ kind: "user.updated", message: `updated user ${row.username}${changed.length ? `: ${changed.join(", ")}` : ""}`, data: { userId: row.id, changed } });
        return toUser(updated);
      });
    },

    async delete(id: string, actor: string): Promise<void> {
      await auditedTransaction(prisma, feed, actor, async (tx, record) => {
        await lockAdmins(tx);
        const row = await tx.user.findUnique({ where: { id } });
        if (!row) throw notFound(`user ${id}`);
        if (row.role === "admin" && !row.disabled) await keepAnAdmin(tx, row.id);
        await tx.user.delete({ where: { id } }); // sessions and tokens go with it
        record.change({ type: "access", change: { kind: "user.changed", userId: id } });
        await record.event({ kind: "user.deleted", message: `deleted user ${row.username}`, data: { userId: id } });
      });
    },

    /** One's own password; every other session of theirs ends. */
    async changePassword(identity: Identity, raw: { current: string; next: string }): Promise<void> {
      const input = passwordChangeInput.parse(raw);
      if (!identity.userId || identity.kind !== "user") throw new AppError("BAD_REQUEST", "only a signed-in user can change their password");
      const row = await prisma.user.findUnique({ where: { id: identity.userId } });
      if (!row?.passwordHash) throw new AppError("BAD_REQUEST", "this account signs in through single sign-on and has no password here");
      if (!(await verifyPassword(row.passwordHash, input.current))) throw new AppError("BAD_REQUEST", "the current password is wrong", "current");
      const passwordHash = await hashPassword(input.next);
      await auditedTransaction(prisma, feed, `user:${row.username}`, async (tx, record) => {
        await tx.user.update({ where: { id: row.id }, data: { passwordHash } });
        const others = await tx.session.findMany({ where: { userId: row.id, id: { not: identity.sessionId } }, select: { id: true } });
        await tx.session.deleteMany({ where: { id: { in: others.map((s) => s.id) } } });
        record.change({ type: "access", change: { kind: "sessions.ended", sessionIds: others.map((s) => s.id) } });
        await record.event({ kind: "user.password-changed", message: `${row.username} changed their password`, data: { userId: row.id } });
      });
    },

    /**
     * The user an OIDC login maps to: found by issuer and subject, else created. Their role follows
     * the provider's claims at every login.
     */
    async fromOidc(claims: { issuer: string; subject: string; username: string; displayName: string | null; role: Role }): Promise<User> {
      return auditedTransaction(prisma, feed, "system", async (tx, record) => {
        const row = await tx.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: claims.issuer, oidcSubject: claims.subject } } });
        if (row) {
          if (row.role === claims.role && row.displayName === claims.displayName) return toUser(row);
          const updated = await tx.user.update({ where: { id: row.id }, data: { role: claims.role, displayName: claims.displayName } });
          if (row.role !== claims.role) {
            await endAccess(tx, record, row.id);
            await record.event({ kind: "user.updated", message: `${row.username}'s role follows single sign-on: ${row.role} → ${claims.role}`, data: { userId: row.id } });
          }
          return toUser(updated);
        }
        // A local account may already hold the name: the SSO user gets a distinct one.
        let name = claims.username;
        for (let n = 2; await tx.user.findUnique({ where: { username: name } }); n++) name = `${claims.username}-${n}`;
        const created = await tx.user.create({
          data: { id: newId(), username: name, displayName: claims.displayName, role: claims.role, oidcIssuer: claims.issuer, oidcSubject: claims.subject },
        });
        await record.event({ kind: "user.created", message: `${name} signed in through single sign-on for the first time (${claims.role})`, data: { userId: created.id, role: claims.role } });
        return toUser(created);
      });
    },

  };
}

export type Users = ReturnType<typeof createUsers>;
