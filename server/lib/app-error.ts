/**
 * The one error type the domain throws. Transports map `code` once: tRPC in
 * server/api/trpc.ts, plain HTTP in server/http/. Messages are written for the user.
 */
export const appErrorCodes = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type AppErrorCode = keyof typeof appErrorCodes;

export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Which input field is at fault, for forms that show errors inline. */
    readonly field?: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return appErrorCodes[this.code];
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
