/**
 * What an L7 proxy needs to know of gRPC (grpc/grpc `doc/PROTOCOL-HTTP2.md`, `doc/statuscodes.md`):
 * which requests are gRPC, what their status means as HTTP, and their deadline.
 */

export const GrpcStatus = { OK: 0, DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;

export function isGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/grpc([+;]|$)/.test(contentType);
}

/**
 * A gRPC status as the HTTP status it is counted under, as Envoy and grpc-gateway map them: only
 * codes that mean the server failed count as 5xx (UNAVAILABLE 503, DEADLINE_EXCEEDED 504,
 * UNIMPLEMENTED 501, UNKNOWN/INTERNAL/DATA_LOSS 500); a caller's mistake is a 4xx; CANCELLED is 499.
 */
const httpStatusOfGrpc = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

export function httpStatusOf(grpcStatus: string | undefined): number {
  if (grpcStatus === undefined || !/^\d{1,2}$/.test(grpcStatus)) return 500; // a gRPC response must end with a status
  return httpStatusOfGrpc[Number(grpcStatus)] ?? 500;
}

const timeoutUnits: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/** `grpc-timeout` (1 to 8 digits and a unit) in milliseconds, or undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^(\d{1,8})([HMSmun])$/.exec(value);
  return match ? Number(match[1]) * timeoutUnits[match[2]!]! : undefined;
}

/** Milliseconds as a `grpc-timeout` value: the time left, passed on so the instance knows its deadline too. */
export function formatGrpcTimeout(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  return whole < 100_000_000 ? `${whole}m` : `${Math.ceil(whole / 1000)}S`;
}
