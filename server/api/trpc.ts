import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";
import type { Labels, Role } from "../contracts/access";
import { actorOf, may, mayAnywhere, type Identity } from "../access/identity";
import type { Engine } from "../engine";
import { AppError, type AppErrorCode } from "../lib/app-error";
import type { Logger } from "../lib/logger";
import { nulPath } from "../lib/nul-text";
import type { LoadGenerator } from "../services/load-generator";
import type { Rollouts } from "../services/rollouts";
import type { Topology } from "../services/topology";
import type { Config } from "../services/config";
import type { Autoscaler } from "../services/autoscaler";
import type { Timeline } from "../services/time-travel/timeline";
import type { Users } from "../services/users";
import type { Sessions } from "../services/sessions";
import type { ApiTokens } from "../services/api-tokens";
import type { Alerts } from "../services/alerts/alerts";
import type { SecretKeys } from "../services/secret-keys";
import type { Prisma } from "../store/database";
import { DATABASE_UNAVAILABLE, type DatabaseHealth } from "../store/database-health";

export type ApiContext = {
  prisma: Prisma;
  topology: Topology;
  rollouts: Rollouts;
  /** gantry.yaml: diff, apply, export, drift. */
  config: Config;
  autoscaler: Autoscaler;
  /** Time travel: the topology at a past moment, and what changed between two. */
  timeline: Timeline;
  engine: Engine;
  loadgen: LoadGenerator;
  users: Users;
  sessions: Sessions;
  tokens: ApiTokens;
  secretKeys: SecretKeys;
  /** Alerts, their rules, receivers and silences. */
  alerts: Alerts;
  /** Told of requests that failed for want of the database (they answer 503). */
  database: Pick<DatabaseHealth, "noticed">;
  /** Who is asking; undefined for an anonymous caller, who gets 401 from every procedure. */
  identity: Identity | undefined;
  logRole: Role;
  log: Logger;
};

/**
 * The services a call acts on, read from its raw input, for callers whose role comes from a grant on
 * labelled services rather than globally. Undefined when the input names no service it can find:
 * then only the global role counts.
 */
export type ScopeResolver = (ctx: ApiContext, rawInput: unknown) => Promise<Labels[] | undefined>;

/** A role, or "log-reader": whichever role GANTRY_LOG_ROLE names (instance logs). */
export type NeededRole = Role | "log-reader";

/** What a procedure needs, declared beside it (see `allow`). */
export type Access = { role: NeededRole; scope?: ScopeResolver };
export type Meta = { access?: Access };

const trpcCodes: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** Field → message, for forms that show errors next to their inputs. */
export type FieldErrors = Record<string, string>;

function fieldErrors(cause: unknown): FieldErrors | undefined {
  if (cause instanceof ZodError) {
    const errors: FieldErrors = {};
    for (const issue of cause.issues) errors[issue.path.join(".")] ??= issue.message;
    return errors;
  }
  if (cause instanceof AppError && cause.field) return { [cause.field]: cause.message };
  return undefined;
}

const t = initTRPC.context<ApiContext>().meta<Meta>().create({
  errorFormatter({ shape, error }) {
    const fields = fieldErrors(error.cause);
    // A zod failure's default message is a JSON dump; say the first problem in words instead.
    const message = error.cause instanceof ZodError ? Object.entries(fields ?? {}).map(([f, m]) => (f ? `${f}: ${m}` : m))[0] : shape.message;
    return { ...shape, message: message ?? shape.message, data: { ...shape.data, stack: undefined, fieldErrors: fields } };
  },
});

/** The single place AppError (and validation errors raised below the router) become tRPC errors. */
const errorMapping = t.middleware(async ({ next, ctx, path, type }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof AppError) {
    throw new TRPCError({ code: trpcCodes[cause.code], message: cause.message, cause });
  }
  if (cause instanceof ZodError) throw new TRPCError({ code: "BAD_REQUEST", cause });
  if (ctx.database.noticed(cause)) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE });
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    ctx.log.error({ err: cause ?? result.error, path, type }, "request failed");
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error; see Gantry's log" });
  }
  return result;
});

/**
 * Runs before the input is parsed, so a caller without the role learns nothing about the input
 * (401 or 403, whatever was sent). A caller whose role comes from a label grant passes only if
 * every service the call touches carries a label granting it.
 */
const authorize = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  const access = meta?.access;
  if (!access) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "this procedure declares no role, so nobody may call it" });
  const identity = ctx.identity;
  if (!identity) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first (or send an API token as Authorization: Bearer)" });
  const role = access.role === "log-reader" ? ctx.logRole : access.role;
  if (!may(identity, role)) {
    const refused = new TRPCError({ code: "FORBIDDEN", message: `this needs the ${role} role${access.scope && identity.grants.length > 0 ? " on every service it touches" : ""}; you are ${identity.role}` });
    if (!access.scope || !mayAnywhere(identity, role)) throw refused;
    const targets = await access.scope(ctx, await getRawInput().catch(() => undefined));
    if (!targets || targets.length === 0 || !targets.every((labels) => may(identity, role, labels))) throw refused;
  }
  return next({ ctx: { ...ctx, identity, actor: actorOf(identity) } });
});

/** Text Gantry could never store is refused up front, naming where it is. */
const refuseNul = t.middleware(async ({ getRawInput, next }) => {
  // An unreadable body is the input parser's to refuse (or nobody's, for a procedure without input).
  const raw = await getRawInput().catch(() => undefined);
  const at = nulPath(raw);
  if (at) throw new TRPCError({ code: "BAD_REQUEST", message: `${at}: text may not contain NUL (\\u0000) characters` });
  return next();
});

export const router = t.router;

/**
 * Every procedure starts here, with the role it needs; there is no default. `scope` lets holders of a
 * label grant through when the call touches only services carrying that label.
 */
export const allow = (role: NeededRole, scope?: ScopeResolver) => t.procedure.use(errorMapping).meta({ access: { role, scope } }).use(authorize).use(refuseNul);

export const createCallerFactory = t.createCallerFactory;
