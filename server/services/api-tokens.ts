import { atLeast, highestRole, tokenCreateInput, type ApiToken, type CreatedToken, type TokenCreateInput } from "../contracts/access";
import { actorOf, type Identity } from "../access/identity";
import { hashSecret, newSecret, TOKEN_PREFIX } from "../access/secrets";
import { AppError, notFound } from "../lib/app-error";
import type { Clock } from "../lib/clock";
import { newId } from "../lib/ids";
import { auditedTransaction } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import { isUniqueViolation } from "../store/errors";
import { storedGrants, storedRole, toApiToken } from "../store/records";

export type ApiTokensDeps = { prisma: Prisma; feed: ChangeFeed; clock: Clock };

const DAY_MS = 86_400_000;

/** Tokens for scripts, CI and the CLI. Users manage their own; admins manage everyone's. */
export function createApiTokens({ prisma, feed, clock }: ApiTokensDeps) {
  const isAdmin = (by: Identity) => by.role === "admin";

  return {
    async list(by: Identity): Promise<ApiToken[]> {
      const rows = await prisma.apiToken.findMany({
        where: isAdmin(by) ? {} : { userId: by.userId ?? "" },
        include: { user: { select: { username: true } } },
        orderBy: [{ createdAt: "desc" }],
      });
      return rows.map(toApiToken);
    },

    /** The secret is in the answer, once; only its SHA-256 is kept. */
    async create(raw: TokenCreateInput, by: Identity): Promise<CreatedToken> {
      const input = tokenCreateInput.parse(raw);
      const ownerId = input.userId ?? by.userId;
      if (!ownerId) throw new AppError("BAD_REQUEST", "the bootstrap token belongs to no user: say which user the new token acts for (userId)", "userId");
      if (ownerId !== by.userId && !isAdmin(by)) throw new AppError("FORBIDDEN", "only admins make tokens for someone else");
      const owner = await prisma.user.findUnique({ where: { id: ownerId } });
      if (!owner) throw notFound(`user ${ownerId}`);
      // A token acts for its owner and never above the role it is made with — nor above what the
      // maker or the owner hold anywhere (a label grant counts: the token then has it on those services).
      const makerHighest = highestRole(by.role, by.grants);
      const ownerHighest = highestRole(storedRole(owner.role), storedGrants.parse(owner.grants));
      if (!atLeast(makerHighest, input.role)) throw new AppError("FORBIDDEN", `a token can't have a role above yours (${makerHighest})`, "role");
      if (!atLeast(ownerHighest, input.role)) throw new AppError("BAD_REQUEST", `${owner.username} is at most ${ownerHighest}: a token for them can't be ${input.role}`, "role");
      const secret = newSecret(TOKEN_PREFIX);
      const now = clock.now();
      try {
        return await auditedTransaction(prisma, feed, actorOf(by), async (tx, record) => {
          const row = await tx.apiToken.create({
            data: {
              id: newId(),
              name: input.name,
              secretHash: hashSecret(secret),
              userId: owner.id,
              role: input.role,
              createdAt: new Date(now),
              expiresAt: input.expiresInDays === null ? null : new Date(now + input.expiresInDays * DAY_MS),
            },
            include: { user: { select: { username: true } } },
          });
          await record.event({ kind: "token.created", message: `created API token ${row.name} (${row.role}) for ${owner.username}`, data: { tokenId: row.id, userId: owner.id, role: row.role } });
          return { ...toApiToken(row), secret };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError("CONFLICT", `${owner.username} already has a token named ${input.name}`, "name");
        throw err;
      }
    },

    async revoke(id: string, by: Identity): Promise<void> {
      await auditedTransaction(prisma, feed, actorOf(by), async (tx, record) => {
        const row = await tx.apiToken.findUnique({ where: { id }, include: { user: { select: { username: true } } } });
        if (!row || (row.userId !== by.userId && !isAdmin(by))) throw notFound(`token ${id}`);
        await tx.apiToken.delete({ where: { id } });
        record.change({ type: "access", change: { kind: "token.revoked", tokenId: id } });
        await record.event({ kind: "token.revoked", message: `revoked API token ${row.name} of ${row.user.username}`, data: { tokenId: id, userId: row.userId } });
      });
    },
  };
}

export type ApiTokens = ReturnType<typeof createApiTokens>;
