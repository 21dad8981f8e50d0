import http from "node:http";

export type Traffic = { startedAt: number; stop(): void; sent(): number; answered(): number };

const TICK_MS = 10;

/**
 * Steady GETs to every listener at `ratePerPort` requests a second each, from this process (not
 * Gantry's own traffic generator), taking the listeners in turn. Each tick sends what the elapsed
 * time owes, so rates a timer can't pace one request at a time (300 req/s) come out right.
 */
export function sendTraffic(ports: number[], ratePerPort: number): Traffic {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const started = performance.now();
  let sent = 0;
  let answered = 0;
  const timer = setInterval(() => {
    const owed = Math.floor(((performance.now() - started) / 1000) * ratePerPort * ports.length) - sent;
    for (let i = 0; i < owed; i++) {
      const port = ports[(sent + i) % ports.length]!;
      http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => res.resume().on("end", () => answered++)).on("error", () => {});
    }
    sent += Math.max(0, owed);
  }, TICK_MS);
  return {
    startedAt: started,
    stop: () => {
      clearInterval(timer);
      agent.destroy();
    },
    sent: () => sent,
    answered: () => answered,
  };
}
