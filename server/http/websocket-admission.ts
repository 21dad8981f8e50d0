import http from "node:http";
import type { Duplex } from "node:stream";
import type { Identity } from "../access/identity";
import { refuse } from "./handler";
import type { RequestGuard } from "./request-guard";

/**
 * A WebSocket upgrade goes through the same checks as every request, then needs an identity;
 * a refusal is answered with a plain HTTP status and the socket closed.
 */
export function createWebSocketAdmission(guard: RequestGuard, identify: (req: http.IncomingMessage) => Promise<Identity | undefined>) {
  return async (req: http.IncomingMessage, socket: Duplex): Promise<Identity | undefined> => {
    const refusal = refuse(guard, req, true);
    const identity = refusal ? undefined : await identify(req);
    // A browser always sends Origin on a WebSocket; one riding on a cookie must prove it is ours.
    const problem =
      refusal ??
      (!identity ? { status: 401, message: "sign in first\n" } : identity.via === "cookie" && !req.headers.origin ? { status: 403, message: "Origin required\n" } : undefined);
    if (!problem) return identity;
    socket.end(`HTTP/1.1 ${problem.status} ${http.STATUS_CODES[problem.status]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${problem.message}`);
    return undefined;
  };
}
