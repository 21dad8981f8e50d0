import http from "node:http";
import { describe, expect, it } from "vitest";
import { listen } from "./listen";

describe("listen().close", () => {
  it("lets an in-flight request finish, then resolves without waiting out the grace period", async () => {
    const server = http.createServer((_req, res) => setTimeout(() => res.end("done"), 300));
    const listening = await listen(server, "127.0.0.1", 0);
    const agent = new http.Agent({ keepAlive: true });
    const response = fetchText(`http://127.0.0.1:${listening.port}/`, agent);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await listening.close(10_000);
    expect(await response).toBe("done");
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetchText(`http://127.0.0.1:${listening.port}/`)).rejects.toThrow();
  });

  it("cuts requests still running after the grace period", async () => {
    const server = http.createServer(() => {}); // never answers
    const listening = await listen(server, "127.0.0.1", 0);
    const response = fetchText(`http://127.0.0.1:${listening.port}/`);
    await new Promise((r) => setTimeout(r, 50));
    await listening.close(200);
    await expect(response).rejects.toThrow();
  });
});

function fetchText(url: string, agent?: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}
