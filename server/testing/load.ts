import http from "node:http";
import { get } from "./http";

export type LoadReport = {
  ok: number;
  /** Connections refused: nothing listened on the port. */
  refused: number;
  /** Every other failure: transport errors and answers other than 200, as "status body". */
  failures: string[];
  /** Answers per instance pid (the fixture server answers its pid). */
  servedBy: Map<number, number>;
};

/**
 * Steady traffic to `url` until stopped, as real clients make it: some reuse keep-alive
 * connections, others open a new connection for every request. Each client waits a little
 * between requests so a test's Gantry still gets the CPU it needs to (re)start.
 */
export function startLoad(url: string, { keepAlive = 4, fresh = 4, pauseMs = 5 } = {}): { report: LoadReport; stop(): Promise<LoadReport> } {
  const report: LoadReport = { ok: 0, refused: 0, failures: [], servedBy: new Map() };
  let stopped = false;
  const client = async (agent: http.Agent) => {
    while (!stopped) {
      const res = await get(url, agent);
      if (res.status === 200) {
        report.ok++;
        const pid = (JSON.parse(res.body) as { pid: number }).pid;
        report.servedBy.set(pid, (report.servedBy.get(pid) ?? 0) + 1);
      } else if (res.status === 0 && res.body.includes("ECONNREFUSED")) report.refused++;
      else report.failures.push(`${res.status} ${res.body.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    agent.destroy();
  };
  const clients = [
    ...Array.from({ length: keepAlive }, () => client(new http.Agent({ keepAlive: true, maxSockets: 1 }))),
    ...Array.from({ length: fresh }, () => client(new http.Agent({ keepAlive: false }))),
  ];
  return {
    report,
    async stop() {
      stopped = true;
      await Promise.all(clients);
      return report;
    },
  };
}

/**
 * Requests to `url` at a set rate (per second), changeable while it runs: a load step. Sent in 20
 * slices a second over keep-alive connections; answers are counted, not awaited before the next slice.
 */
export function startPacedLoad(url: string, rate: number): { setRate(perSecond: number): void; stop(): Promise<{ ok: number; failed: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const counts = { ok: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let owed = 0;
  const timer = setInterval(() => {
    owed += rate / 20;
    for (; owed >= 1; owed--) {
      const request: Promise<void> = get(url, agent).then((res) => {
        counts[res.status === 200 ? "ok" : "failed"]++;
        inFlight.delete(request);
      });
      inFlight.add(request);
    }
  }, 50);
  return {
    setRate(perSecond: number) {
      rate = perSecond;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
      return counts;
    },
  };
}
