import http from "node:http";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { deferredDashboard, type DashboardServer } from "./deferred-dashboard";
import { listen } from "./listen";

const servers: Array<{ close(ms: number): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

/** A dashboard whose start the test finishes (or fails) when it wants, served on loopback. */
async function serve() {
  let starts = 0;
  let finish!: (server: DashboardServer) => void;
  let fail!: (err: Error) => void;
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString().trim().split("\n")));
  let closed = false;
  const dashboard = deferredDashboard(() => {
    starts++;
    return new Promise<DashboardServer>((resolve, reject) => ((finish = resolve), (fail = reject)));
  }, createLogger("info", stream));
  const listening = await listen(
    http.createServer((req, res) => void dashboard.handle(req, res)),
    "127.0.0.1",
    0,
  );
  servers.push(listening);
  const page = { getRequestHandler: () => async (req: http.IncomingMessage, res: http.ServerResponse) => void res.end(`page ${req.url}`), close: async () => void (closed = true) };
  return {
    dashboard,
    url: `http://127.0.0.1:${listening.port}`,
    starts: () => starts,
    finish: () => finish(page),
    fail: (message: string) => fail(new Error(message)),
    logged: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } }),
    closed: () => closed,
  };
}

describe("the deferred dashboard", () => {
  it("holds a page asked for while it starts, then serves it, starting Next once", async () => {
    const d = await serve();
    const early = fetch(`${d.url}/services`).then(async (r) => [r.status, await r.text()]);
    await new Promise((r) => setTimeout(r, 50));
    d.dashboard.prepare(); // what Gantry calls once it is ready
    d.finish();
    expect(await early).toEqual([200, "page /services"]);
    expect(await fetch(`${d.url}/nodes`).then((r) => r.text())).toBe("page /nodes");
    expect(d.starts()).toBe(1);
    expect(d.logged().map((l) => l.msg)).toEqual(["dashboard ready"]);
    await d.dashboard.close();
    expect(d.closed()).toBe(true);
  });

  it("answers 503 with the reason's place when Next fails to start, and logs the failure once", async () => {
    const d = await serve();
    d.dashboard.prepare();
    d.fail("Could not find a production build");
    for (const path of ["/", "/services"]) {
      const response = await fetch(`${d.url}${path}`);
      expect(response.status).toBe(503);
      expect(await response.text()).toBe("the dashboard failed to start; see Gantry's log\n");
    }
    const errors = d.logged().filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err?.message).toBe("Could not find a production build");
    await d.dashboard.close(); // nothing to close, and no throw
  });

  it("closes without starting Next when Gantry stops before it was asked for", async () => {
    const d = await serve();
    await d.dashboard.close();
    expect(d.starts()).toBe(0);
  });
});
