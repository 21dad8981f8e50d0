import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../lib/logger";
import { text } from "./handler";

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type DashboardServer = { getRequestHandler(): Handle; close(): Promise<void> };

/**
 * The dashboard (Next.js), prepared only once Gantry is ready: loading Next takes about a second of
 * CPU that the API, the engine and the data plane don't need, so it stays off the start path. A page
 * asked for before then waits for it; if it fails to start, pages answer 503 and the rest of Gantry
 * keeps running.
 */
export function deferredDashboard(start: () => Promise<DashboardServer>, log: Logger) {
  let server: Promise<DashboardServer> | undefined;
  let handler: Promise<Handle> | undefined;

  const prepare = () => {
    if (handler) return handler;
    const began = performance.now();
    server = start();
    handler = server.then(
      (next) => {
        log.info({ ms: Math.round(performance.now() - began) }, "dashboard ready");
        return next.getRequestHandler();
      },
      (err: unknown) => {
        log.error({ err }, "the dashboard failed to start; the API, the engine and traffic are unaffected");
        throw err;
      },
    );
    handler.catch(() => {}); // logged once above; every page asked for answers 503
    return handler;
  };

  return {
    prepare: () => void prepare(),
    async handle(req: IncomingMessage, res: ServerResponse) {
      const handle = await prepare().catch(() => undefined);
      if (handle) return handle(req, res);
      text(res, 503, "the dashboard failed to start; see Gantry's log\n");
    },
    async close() {
      await (await server?.catch(() => undefined))?.close();
    },
  };
}
