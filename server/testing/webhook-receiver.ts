import http from "node:http";
import type { AddressInfo } from "node:net";

export type Delivery = { status: number; key: string; body: { status?: string; idempotencyKey?: string; alert?: { labels?: Record<string, string> } } };

/**
 * A real HTTP webhook receiver on loopback: records every POST and answers `answer` (200, or 500 to
 * play a broken receiver); `close()` and `listen()` take it down and bring it back on the same port.
 */
export async function webhookReceiver(port = 0) {
  const deliveries: Delivery[] = [];
  let answer = 200;
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      deliveries.push({ status: answer, key: String(req.headers["idempotency-key"] ?? ""), body: JSON.parse(text || "{}") });
      res.statusCode = answer;
      res.end();
    });
  });
  const listen = (at: number) => new Promise<number>((resolve) => server.listen(at, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
  const bound = await listen(port);
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    deliveries,
    /** What it took (answered 2xx), by alert status. */
    accepted: (status: string) => deliveries.filter((d) => d.status < 300 && d.body.status === status),
    answer: (status: number) => void (answer = status),
    listen: () => listen(bound),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
