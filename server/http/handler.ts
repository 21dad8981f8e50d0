import type { IncomingMessage, ServerResponse } from "node:http";
import type { Role } from "../contracts/access";
import { may, type Identity } from "../access/identity";
import type { Logger } from "../lib/logger";
import { DATABASE_UNAVAILABLE, type DatabaseHealth } from "../store/database-health";
import { isStateChanging, type RequestGuard } from "./request-guard";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type HttpRoutes = {
  guard: RequestGuard;
  /** Who sent the request, from its session cookie or token; undefined if nobody (or nobody valid). */
  identify(req: IncomingMessage): Promise<Identity | undefined>;
  trpc(req: IncomingMessage, res: ServerResponse, identity: Identity | undefined): Promise<void>;
  /** Sign-in, sign-out, setup, OIDC: the only routes anonymous callers use. True if handled. */
  auth(req: IncomingMessage, res: ServerResponse, path: string, identity: Identity | undefined): Promise<boolean>;
  /** Prometheus HTTP service discovery. */
  sd: Handler;
  /** The Consul-compatible API under /v1/; true if it handled the request. */
  consul(req: IncomingMessage, res: ServerResponse, path: string, identity: Identity | undefined): Promise<boolean>;
  /** The dashboard; absent when Gantry runs headless (tests, API-only). */
  dashboard?: Handler;
  /** The Prometheus exposition of /metrics. */
  metrics: { contentType: string; metrics(): Promise<string> };
  /** Reads opened to anonymous callers, one setting each. */
  anonymous: { metrics: boolean; sd: boolean };
  /** Told of requests that failed for want of the database: they answer 503, not 500. */
  database: Pick<DatabaseHealth, "noticed">;
  /** Why Gantry can't serve now (starting, shutting down, no database); undefined when it can. */
  unready(): string | undefined;
  log: Logger;
};

/** Pages and files anyone may load: what it takes to sign in. */
const PUBLIC_PAGES = /^\/(login|setup)\/?$|^\/_next\/static\/|^\/(icon\.svg|favicon\.ico)$/;

/**
 * One pipeline for every request: Host allowlist → Origin check on state changes → identity
 * (cookie, Bearer or Consul token) → the cross-site header on cookie-borne state changes → the
 * route, which checks the role it needs. Gantry's own endpoints are routed here; everything else
 * belongs to the Next.js dashboard.
 */
export function createHttpHandler(routes: HttpRoutes): Handler {
  const { guard } = routes;
  return async (req, res) => {
    const path = pathOf(req.url);
    try {
      guard.securityHeaders(res);
      // Liveness and readiness reveal nothing and are asked by probes that know only an IP.
      if (path === "/healthz") return text(res, 200, "ok\n");
      if (path === "/readyz") {
        const reason = routes.unready();
        return reason ? text(res, 503, `${reason}\n`) : text(res, 200, "ready\n");
      }
      const refusal = refuse(guard, req);
      if (refusal) return text(res, refusal.status, refusal.message);
      const identity = await routes.identify(req);
      if (identity?.via === "cookie" && isStateChanging(req) && !guard.hasCsrfHeader(req)) {
        return text(res, 403, "a signed-in browser's changes must carry the X-Gantry-CSRF header (the dashboard sends it)\n");
      }
      if (await routes.auth(req, res, path, identity)) return;
      if (path === "/metrics") {
        if (!allowed(res, identity, "viewer", routes.anonymous.metrics)) return;
        res.setHeader("content-type", routes.metrics.contentType);
        return text(res, 200, await routes.metrics.metrics());
      }
      if (path.startsWith("/api/trpc/")) return await routes.trpc(req, res, identity);
      if (path === "/api/sd/prometheus") {
        if (!allowed(res, identity, "viewer", routes.anonymous.sd)) return;
        return await routes.sd(req, res);
      }
      if (await routes.consul(req, res, path, identity)) return;
      if (!routes.dashboard) return text(res, 404, "not found\n");
      if (!identity && !PUBLIC_PAGES.test(path)) return signInFirst(req, res, path);
      return await routes.dashboard(req, res);
    } catch (err) {
      const unavailable = routes.database.noticed(err);
      routes.log.error({ err, method: req.method, path }, "request handler failed");
      if (res.headersSent) res.destroy();
      else if (unavailable) text(res, 503, `${DATABASE_UNAVAILABLE}\n`);
      else text(res, 500, "internal error; see Gantry's log\n");
    }
  };
}

/** The checks made before anyone asks who is calling; also applied to WebSocket upgrades. */
export function refuse(guard: RequestGuard, req: IncomingMessage, upgrade = false): { status: number; message: string } | undefined {
  if (!guard.hostAllowed(req)) return { status: 421, message: `this Gantry doesn't answer to host ${JSON.stringify(req.headers.host ?? "")}; set GANTRY_PUBLIC_URL to the address people use\n` };
  if ((upgrade || isStateChanging(req)) && !guard.originAllowed(req)) return { status: 403, message: "cross-origin request refused\n" };
  return undefined;
}

function allowed(res: ServerResponse, identity: Identity | undefined, role: Role, anonymous: boolean): boolean {
  if (anonymous || (identity && may(identity, role))) return true;
  if (identity) text(res, 403, `this needs the ${role} role\n`);
  else {
    res.setHeader("www-authenticate", 'Bearer realm="gantry"');
    text(res, 401, "sign in or send an API token (Authorization: Bearer …)\n");
  }
  return false;
}

/** A page for someone not signed in: the login page, coming back here afterwards. */
function signInFirst(req: IncomingMessage, res: ServerResponse, path: string) {
  if (req.method !== "GET" && req.method !== "HEAD") return text(res, 401, "sign in first\n");
  res.statusCode = 303;
  res.setHeader("location", `/login?next=${encodeURIComponent(req.url ?? path)}`);
  res.setHeader("cache-control", "no-store");
  res.end();
}

export function pathOf(url: string | undefined): string {
  const end = url?.search(/[?#]/) ?? -1;
  return (end === -1 ? url : url!.slice(0, end)) || "/";
}

/** A plain-text answer (keeps a content type already set, e.g. by /metrics). */
export function text(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  if (!res.hasHeader("content-type")) res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end(body);
}
