import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { Logger } from "../lib/logger";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type HttpRoutes = {
  trpc: Handler;
  /** Prometheus HTTP service discovery. */
  sd: Handler;
  /** The Consul-compatible API under /v1/; true if it handled the request. */
  consul(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  /** The dashboard; absent when Gantry runs headless (tests, API-only). */
  dashboard?: Handler;
  metrics: Registry;
  isReady(): boolean;
  log: Logger;
};

/** Routes Gantry's own endpoints; everything else belongs to the Next.js dashboard. */
export function createHttpHandler(routes: HttpRoutes): Handler {
  return async (req, res) => {
    const path = pathOf(req.url);
    try {
      if (path === "/healthz") return text(res, 200, "ok\n");
      if (path === "/readyz") return routes.isReady() ? text(res, 200, "ready\n") : text(res, 503, "not ready\n");
      if (path === "/metrics") {
        res.setHeader("content-type", routes.metrics.contentType);
        return text(res, 200, await routes.metrics.metrics());
      }
      if (path.startsWith("/api/trpc/")) return await routes.trpc(req, res);
      if (path === "/api/sd/prometheus") return await routes.sd(req, res);
      if (await routes.consul(req, res, path)) return;
      if (routes.dashboard) return await routes.dashboard(req, res);
      return text(res, 404, "not found\n");
    } catch (err) {
      routes.log.error({ err, method: req.method, path }, "request handler failed");
      if (!res.headersSent) text(res, 500, "internal error; see Gantry's log\n");
      else res.destroy();
    }
  };
}

export function pathOf(url: string | undefined): string {
  const end = url?.search(/[?#]/) ?? -1;
  return (end === -1 ? url : url!.slice(0, end)) || "/";
}

function text(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  if (!res.hasHeader("content-type")) res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end(body);
}
