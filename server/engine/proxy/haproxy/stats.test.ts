import { describe, expect, it } from "vitest";
import { latencyBuckets } from "../types";
import { CounterLedger } from "./counter-ledger";
import { boundPorts, parseShowProc } from "./haproxy-process";
import { parseStatCsv, rowCounters, type RawCounters } from "./stats-csv";

// As HAProxy 2.6 answers `show stat` (columns cut to those read, order kept as HAProxy gives it).
const csv = [
  "# pxname,svname,scur,stot,bin,bout,econ,status,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,ttime,mode,",
  "service_web,FRONTEND,3,40,8200,59700,,OPEN,0,37,0,2,1,,http,",
  "svc_web,web-1,1,20,4100,29000,0,no check,0,19,0,1,0,12,http,",
  "svc_web,BACKEND,1,40,8200,59700,0,UP,0,37,0,2,1,14,http,",
  "svc_db,db-1,2,9,1000,52000,3,DRAIN,,,,,,800,tcp,",
  "",
].join("\n");

describe("reading show stat", () => {
  it("parses rows and turns HTTP ones into responses by class and TCP ones into connections", () => {
    const rows = parseStatCsv(csv);
    expect(rows.map((r) => [r.proxy, r.server, r.kind, r.mode, r.status])).toEqual([
      ["service_web", "FRONTEND", "frontend", "http", "OPEN"],
      ["svc_web", "web-1", "server", "http", "no check"],
      ["svc_web", "BACKEND", "backend", "http", "UP"],
      ["svc_db", "db-1", "server", "tcp", "DRAIN"],
    ]);
    expect(rowCounters(rows[0]!)).toEqual({
      requests: { "1xx": 0, "2xx": 37, "3xx": 0, "4xx": 2, "5xx": 1 },
      inFlight: 3,
      connections: { total: 0, open: 0, bytesIn: 0, bytesOut: 0, connectErrors: 0 },
      averageMs: undefined,
    });
    expect(rowCounters(rows[3]!)).toEqual({
      requests: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
      inFlight: 0,
      connections: { total: 9, open: 2, bytesIn: 1000, bytesOut: 52000, connectErrors: 3 },
      averageMs: 800,
    });
  });

  it("refuses an answer that is not a stat table", () => {
    expect(() => parseStatCsv("Unknown command\n")).toThrow(/not a show stat answer/);
  });

  it("finds the master and its current worker in show proc", () => {
    const text = [
      "#<PID>          <type>          <reloads>       <uptime>        <version>      ",
      "13875           master          2 [failed: 1]   0d00h03m36s     2.6.12-1+deb12u4",
      "# workers",
      "22761           worker          0               0d00h00m00s     2.6.12-1+deb12u4",
      "22001           worker          1               0d00h01m00s     2.6.12-1+deb12u4",
      "# programs",
      "",
    ].join("\n");
    expect(parseShowProc(text)).toEqual({ master: 13875, reloads: 2, failedReloads: 1, worker: 22761, workers: [22761, 22001] });
  });

  it("finds the ports a configuration binds (taking over a previous Gantry's HAProxy)", () => {
    expect(boundPorts("frontend a\n  bind 127.0.0.1:16001\nfrontend b\n  bind ipv6@::1:16002 proto h2\n  server x 127.0.0.1:20001\n")).toEqual(new Set([16001, 16002]));
  });
});

const http = (twoXx: number, averageMs: number | undefined, inFlight = 0): RawCounters => ({
  requests: { "1xx": 0, "2xx": twoXx, "3xx": 0, "4xx": 0, "5xx": 0 },
  inFlight,
  connections: { total: 0, open: 0, bytesIn: 0, bytesOut: 0, connectErrors: 0 },
  averageMs,
});
const bucket = (seconds: number) => latencyBuckets.findIndex((bound) => seconds <= bound);

/** One pass of the data plane's reading: each worker's reading of `key`, then the pass ends. */
function pass(ledger: CounterLedger, key: string, readings: Array<[worker: number, raw: RawCounters]>) {
  for (const [worker, raw] of readings) ledger.observe(key, worker, raw);
  ledger.endPass(new Set(readings.map(([worker]) => worker)), new Set([key]));
  return ledger.counters(key);
}

describe("keeping counters cumulative across HAProxy's restarts of them", () => {
  it("adds what a replaced worker counted, while it finishes its connections and after it exited, to what the new one counts", () => {
    const ledger = new CounterLedger();
    expect(pass(ledger, "service:web", [[100, http(10, 3)]]).requests["2xx"]).toBe(10);
    // Reloaded: worker 200 starts from zero while 100 serves its keep-alive connections on.
    expect(pass(ledger, "service:web", [[200, http(2, 3, 1)], [100, http(15, 3, 2)]])).toMatchObject({ requests: { "2xx": 17 }, inFlight: 3 });
    // 100 exited: what it counted stays.
    expect(pass(ledger, "service:web", [[200, http(4, 3, 5)]])).toMatchObject({ requests: { "2xx": 19 }, inFlight: 5 });
  });

  it("treats a count going down on the same worker (a server deleted and added again) as a start from zero", () => {
    const ledger = new CounterLedger();
    pass(ledger, "instance:a", [[100, http(8, 1)]]);
    expect(pass(ledger, "instance:a", [[100, http(1, 1)]]).requests["2xx"]).toBe(9);
  });

  it("puts each interval's requests into the bucket of HAProxy's average time, and its sum", () => {
    const ledger = new CounterLedger();
    pass(ledger, "service:web", [[100, http(0, 0)]]);
    pass(ledger, "service:web", [[100, http(10, 3)]]); // 10 requests, 3 ms average
    const counters = pass(ledger, "service:web", [[100, http(14, 200)]]); // 4 more, 200 ms average
    expect(counters.latency[bucket(0.003)]).toBe(10);
    expect(counters.latency[bucket(0.2)]).toBe(4);
    expect(counters.latency.reduce((a, b) => a + b, 0)).toBe(14);
    expect(counters.latencySum).toBeCloseTo(10 * 0.003 + 4 * 0.2);
  });

  it("counts no latency where HAProxy has no times (a frontend), and forgets keys no longer read", () => {
    const ledger = new CounterLedger();
    expect(pass(ledger, "listener:ingress", [[100, http(5, undefined)]]).latency.every((n) => n === 0)).toBe(true);
    pass(ledger, "instance:gone", [[100, http(5, 1)]]);
    ledger.endPass(new Set([100]), new Set(["listener:ingress"]));
    expect(ledger.counters("instance:gone").requests["2xx"]).toBe(0);
  });
});
