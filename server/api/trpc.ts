import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";
import type { EventActor } from "../contracts/event";
import type { Engine } from "../engine";
import { AppError, type AppErrorCode } from "../lib/app-error";
import type { Logger } from "../lib/logger";
import type { LoadGenerator } from "../services/load-generator";
import type { Rollouts } from "../services/rollouts";
import type { Topology } from "../services/topology";
import type { Prisma } from "../store/database";

export type ApiContext = {
  prisma: Prisma;
  topology: Topology;
  rollouts: Rollouts;
  engine: Engine;
  loadgen: LoadGenerator;
  actor: EventActor;
  log: Logger;
};

const trpcCodes: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
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

const t = initTRPC.context<ApiContext>().create({
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
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    ctx.log.error({ err: cause ?? result.error, path, type }, "request failed");
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error; see Gantry's log" });
  }
  return result;
});

export const router = t.router;
export const procedure = t.procedure.use(errorMapping);
