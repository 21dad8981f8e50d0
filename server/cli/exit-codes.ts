import { TRPCClientError } from "@trpc/client";

/**
 * What `gantry` exits with. Scripts branch on these, so they never change meaning; a new kind of
 * failure gets a new number.
 */
export const ExitCode = {
  ok: 0,
  /** Bad input or usage: an unknown command or option, a malformed argument, a file that doesn't parse, or a request the server refused as invalid. */
  usage: 1,
  notFound: 2,
  /** No token, a wrong or expired one, or a role too low for the command. */
  unauthorized: 3,
  /** The server could not be reached, or answered that it can't serve now. */
  unreachable: 4,
  /** `rollout status` watched a rollout that failed or was aborted. */
  rolloutFailed: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table `gantry --help` and the README show. */
export const exitCodeHelp = `Exit codes:
  0  ok
  1  bad input or usage (unknown command or option, malformed argument, invalid request)
  2  not found (no such service, instance or revision)
  3  unauthorized or forbidden (missing or wrong GANTRY_TOKEN; run \`gantry login\`)
  4  server unreachable (or not ready to serve)
  5  the rollout failed or was aborted (rollout status)`;

/** A failure the CLI explains in one line and exits with. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** What `--verbose` adds: the underlying error. */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(ExitCode.usage, message);
export const notFoundError = (message: string) => new CliError(ExitCode.notFound, message);

const NO_ACCESS = "set GANTRY_TOKEN or run `gantry login`";

/**
 * Why a request never got an answer: the errno-style code down the cause chain of a failed fetch
 * (tRPC wraps fetch's TypeError, which wraps ECONNREFUSED), or its innermost reason ("bad port").
 * A file's ENOENT is not a network failure: only chains that went through fetch count.
 */
function networkFailure(err: unknown): string | undefined {
  let fetchFailed = false;
  let code: string | undefined;
  let innermost: string | undefined;
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++, e = (e as { cause?: unknown }).cause) {
    const errno = (e as { code?: unknown }).code;
    if (!code && typeof errno === "string" && /^E[A-Z_]+$/.test(errno)) code = errno;
    if (e instanceof TypeError && e.message === "fetch failed") fetchFailed = true;
    if (e instanceof Error) innermost = e.message;
  }
  return fetchFailed ? (code ?? innermost) : undefined;
}

/**
 * Maps anything a command threw to one exit code and one line for stderr. Errors have one home:
 * commands throw, `main` calls this once.
 */
export function classify(err: unknown, server: string | undefined): CliError {
  if (err instanceof CliError) return err;
  const where = server ? ` at ${server}` : "";
  const network = networkFailure(err);
  if (network) return new CliError(ExitCode.unreachable, `can't reach Gantry${where} (${network})`, err);
  if (err instanceof TRPCClientError) {
    const data = (err as TRPCClientError<never>).data as { code?: string; httpStatus?: number } | undefined;
    const status = data?.httpStatus ?? (err.meta?.response as { status?: number } | undefined)?.status;
    const code = data?.code;
    if (code === "UNAUTHORIZED" || status === 401) return new CliError(ExitCode.unauthorized, `Gantry${where} refused the token: ${NO_ACCESS}`, err);
    if (code === "FORBIDDEN" || status === 403) return new CliError(ExitCode.unauthorized, `forbidden: ${err.message.trim() || "your token's role can't do this"}`, err);
    if (code === "NOT_FOUND" || status === 404) return new CliError(ExitCode.notFound, err.message, err);
    if (code === "SERVICE_UNAVAILABLE" || status === 503 || status === 502 || status === 504) return new CliError(ExitCode.unreachable, `Gantry${where} can't serve now: ${err.message}`, err);
    if (!code && status === undefined) return new CliError(ExitCode.unreachable, `Gantry${where} gave an answer that isn't Gantry's API: ${err.message}`, err);
    return new CliError(ExitCode.usage, err.message, err);
  }
  if (err instanceof Error && err.name === "CommanderError") return new CliError(ExitCode.usage, err.message, err);
  return new CliError(ExitCode.usage, err instanceof Error ? err.message : String(err), err);
}

export const missingCredentials = () => new CliError(ExitCode.unauthorized, `not signed in: ${NO_ACCESS}`);
