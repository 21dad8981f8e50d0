import type { Clock } from "../lib/clock";
import { every, type Loop } from "../lib/loop";
import type { Logger } from "../lib/logger";
import type { Prisma } from "./database";

/** Error codes and messages that mean "the database can't be reached now", not "this query is wrong". */
const UNAVAILABLE_CODES = new Set([
  ...["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"],
  // PostgreSQL: admin/crash shutdown, cannot connect now, connection exceptions.
  ...["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"],
  // Prisma: can't reach, timed out, server closed the connection, no connection from the pool in time.
  ...["P1001", "P1002", "P1008", "P1017", "P2024"],
]);
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);
const UNAVAILABLE_MESSAGE = /connection terminated|connection (timeout|timed out)|can't reach database server|timed out fetching a new connection|server closed the connection|ECONNREFUSED|ECONNRESET/i;

/** Does this error (or any cause behind it) say the database is out of reach? */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null || depth > 5) return false;
  const { code, kind, message, cause } = err as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
  if (typeof message === "string" && UNAVAILABLE_MESSAGE.test(message)) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** What requests that need the database answer (503) while it is away. */
export const DATABASE_UNAVAILABLE = "database unavailable, retrying";

const CHECK_EVERY_MS = 2000;
const CHECK_TIMEOUT_MS = 2000;

export type DatabaseHealth = ReturnType<typeof watchDatabase>;

/**
 * Whether the database answers: asked every 2 s, and told at once when a request finds it gone.
 * /readyz reports it; requests that need it answer 503 while it is away.
 */
export function watchDatabase(prisma: Prisma, clock: Clock, log: Logger) {
  let available = true;
  const set = (now: boolean, err?: unknown) => {
    if (now === available) return;
    available = now;
    if (now) log.info("the database answers again");
    else log.error({ err }, "the database is unavailable; retrying every 2 s");
  };
  const check = async () => {
    let timer;
    const late = new Promise<never>((_, reject) => (timer = clock.setTimeout(() => reject(new Error("connection timeout: no answer within 2 s")), CHECK_TIMEOUT_MS)));
    try {
      await Promise.race([prisma.$queryRawUnsafe("SELECT 1"), late]);
      set(true);
    } catch (err) {
      set(false, err);
    } finally {
      clock.clearTimeout(timer!);
    }
  };
  const loop: Loop = every(clock, CHECK_EVERY_MS, "database health", log, check);
  return {
    available: () => available,
    /** A request failed: if for want of the database, say so now rather than at the next check. */
    noticed(err: unknown): boolean {
      const unavailable = isDatabaseUnavailable(err);
      if (unavailable) set(false, err);
      return unavailable;
    },
    stop: () => loop.stop(),
  };
}
