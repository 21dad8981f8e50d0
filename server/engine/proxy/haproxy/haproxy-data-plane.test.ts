import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../lib/logger";
import { tempDir, testListenerRange } from "../../../testing/gantry";
import { startLoad } from "../../../testing/load";
import { waitFor } from "../../../testing/wait";
import { cluster, endpointOf, freePort, get, upstream, type Upstream } from "../testing/proxy-harness";
import type { ListenerReport } from "../traffic-controller";
import type { ClusterConfig, DataPlaneConfig, DataPlaneStats, ListenerConfig, TrafficCounters } from "../types";
import { HaproxyDataPlane } from "./haproxy-data-plane";
import { haproxyFiles, HaproxyProcess } from "./haproxy-process";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

// From the middle of the worker's listener range: test Gantrys take ports from its bottom up, the Node data plane's tests from its top.
const portAt = (slot: number) => testListenerRange().from + 100 + slot;

async function upstreams(count: number, handler?: Parameters<typeof upstream>[1]): Promise<Upstream[]> {
  const list = await Promise.all(Array.from({ length: count }, (_, i) => upstream(`i${i + 1}`, handler)));
  cleanup.push(() => Promise.all(list.map((u) => u.close())).then(() => undefined));
  return list;
}

/**
 * A started HAProxy data plane on a data dir of its own, with what it reported of its listeners.
 * Started as Gantry starts it: at boot, configured a moment later (once the topology is read).
 */
async function haproxyPlane(config: DataPlaneConfig, dataDir = tempDir("haproxy"), configuredAfterMs = 0, retryResponses = false) {
  const plane = new HaproxyDataPlane({ log: silentLogger, dataDir, binary: "/usr/sbin/haproxy", retryResponses });
  cleanup.push(() => plane.stop());
  const reports: ListenerReport[] = [];
  plane.onListener((report) => reports.push(report));
  const up = plane.start();
  await new Promise((r) => setTimeout(r, configuredAfterMs));
  plane.configure(config);
  await up;
  const process = new HaproxyProcess("/usr/sbin/haproxy", haproxyFiles(dataDir));
  return { plane, reports, dataDir, table: () => waitFor(() => process.table(), "HAProxy's master"), worker: async () => (await waitFor(() => process.table(), "HAProxy's master")).worker };
}

const configOf = (clusters: ClusterConfig[], listeners: ListenerConfig[], extra: Partial<DataPlaneConfig> = {}): DataPlaneConfig => ({ host: "127.0.0.1", clusters, listeners, routes: [], ...extra });

/** Waits until the data plane applied what it was sent (configure is asynchronous): its stats run after. */
const applied = async (plane: HaproxyDataPlane) => void (await plane.stats());

/** HAProxy counts a request when its stream ends, a moment after the client has the response: stats once `counted` holds. */
const countedStats = (plane: HaproxyDataPlane, counted: (stats: DataPlaneStats) => boolean) =>
  waitFor(async () => ((stats) => (counted(stats) ? stats : undefined))(await plane.stats()), "the requests counted", 5000);
const total = (counters: TrafficCounters) => Object.values(counters.requests).reduce((a, b) => a + b, 0);

describe("the HAProxy data plane", () => {
  it("balances round robin over two instances through a service listener, and counts the requests per listener, service and instance", async () => {
    const [a, b] = await upstreams(2);
    const port = portAt(0);
    const { plane } = await haproxyPlane(configOf([cluster("web", [endpointOf(a!), endpointOf(b!)])], [{ kind: "service", port, serviceId: "web" }]));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => agent.destroy());
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push((await get(`http://127.0.0.1:${port}/`, { agent })).body);
    expect(answers.filter((x) => x === "i1")).toHaveLength(5);
    expect(answers.filter((x) => x === "i2")).toHaveLength(5);

    const stats = await countedStats(plane, (st) => st.endpoints.reduce((sum, e) => sum + total(e.counters), 0) === 10 && total(st.listeners[0]!.counters) === 10);
    expect(stats.listeners).toEqual([expect.objectContaining({ key: "service:web", bound: true, error: null })]);
    expect(stats.listeners[0]!.counters.requests["2xx"]).toBe(10);
    expect(stats.services[0]!.counters.requests["2xx"]).toBe(10);
    expect(stats.endpoints.map((e) => [e.instanceId, e.counters.requests["2xx"]]).sort()).toEqual([
      ["i1", 5],
      ["i2", 5],
    ]);
    // HAProxy keeps an average, not a histogram: each request lands in one bucket.
    expect(stats.services[0]!.counters.latency.reduce((x, y) => x + y, 0)).toBe(10);
  });

  it("retries a failed connection on another instance; a 503 to a GET only with GANTRY_HAPROXY_RETRY_RESPONSES", async () => {
    const [unavailable, ok] = await upstreams(2, (_req, res, self) => (self.id === "i1" ? res.writeHead(503).end("busy") : res.end(self.id)));
    const gone = { id: "gone", port: await freePort() }; // nothing listens there
    const statuses = async (port: number) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      cleanup.push(() => agent.destroy());
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push((await get(`http://127.0.0.1:${port}/`, { agent })).status);
      return seen;
    };
    const listeners = (from: number): ListenerConfig[] => [
      { kind: "service", port: portAt(from), serviceId: "refusing" },
      { kind: "service", port: portAt(from + 1), serviceId: "answering" },
    ];
    const clusters = [cluster("refusing", [endpointOf(gone), endpointOf(ok!)]), cluster("answering", [endpointOf(unavailable!), endpointOf(ok!)])];

    await haproxyPlane(configOf(clusters, listeners(0)));
    expect(await statuses(portAt(0))).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await statuses(portAt(1))).filter((s) => s === 503)).toHaveLength(3);

    await haproxyPlane(configOf(clusters, listeners(2)), tempDir("haproxy"), 0, true);
    expect(await statuses(portAt(2))).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await statuses(portAt(3))).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it("adds and removes endpoints on the running worker: no reload, no failed request under keep-alive load", async () => {
    // Answering as the fixture server does (startLoad counts answers by pid): 1, 2, 3.
    const [a, b, c] = await upstreams(3, (_req, res, self) => res.end(JSON.stringify({ pid: Number(self.id.slice(1)) })));
    const port = portAt(1);
    const listeners: ListenerConfig[] = [{ kind: "service", port, serviceId: "web" }];
    const { plane, worker } = await haproxyPlane(configOf([cluster("web", [endpointOf(a!)])], listeners));
    const before = await worker();
    const load = startLoad(`http://127.0.0.1:${port}/`, { keepAlive: 4, fresh: 1, pauseMs: 1 });
    const step = async (ids: Upstream[]) => {
      plane.configure(configOf([cluster("web", ids.map((u) => endpointOf(u)))], listeners));
      await applied(plane);
      await new Promise((r) => setTimeout(r, 150));
    };
    await step([a!, b!]);
    await step([a!, b!, c!]);
    await step([b!, c!]);
    await step([c!]);
    await step([a!, c!]);
    const { ok, refused, failures, servedBy } = await load.stop();
    expect(failures).toEqual([]);
    expect(refused).toBe(0);
    expect(ok).toBeGreaterThan(50);
    expect([...servedBy.keys()].sort()).toEqual([1, 2, 3]);
    expect(await worker()).toBe(before);
    // Servers added at run time keep idle connections to their instances, as configured ones do.
    expect(c!.connections).toBeLessThan(c!.requests.length / 2);
  });

  it("drains an instance: a slow request in flight finishes, nothing new reaches it", async () => {
    const slow = await upstream("slow", (req, res) => setTimeout(() => res.end("slow done"), req.url === "/slow" ? 800 : 0));
    const other = await upstream("other", (_req, res) => res.end("other"));
    cleanup.push(() => Promise.all([slow.close(), other.close()]).then(() => undefined));
    const port = portAt(2);
    const listeners: ListenerConfig[] = [{ kind: "service", port, serviceId: "web" }];
    const { plane } = await haproxyPlane(configOf([cluster("web", [endpointOf(slow)])], listeners));
    const inFlight = get(`http://127.0.0.1:${port}/slow`);
    await waitFor(() => (slow.requests.length === 1 ? true : undefined), "the slow request to arrive");
    // As the engine does: the instance leaves the endpoints (its replacement joins), then is drained.
    plane.configure(configOf([cluster("web", [endpointOf(other)])], listeners));
    await applied(plane);
    const started = Date.now();
    const drained = plane.drain(slow.id, 5000);
    for (let i = 0; i < 5; i++) expect((await get(`http://127.0.0.1:${port}/`)).body).toBe("other");
    await drained;
    expect(Date.now() - started).toBeGreaterThan(400);
    expect((await inFlight).body).toBe("slow done");
    expect(slow.requests).toHaveLength(1);
    expect((await plane.stats()).endpoints.map((e) => e.instanceId)).toEqual(["other"]);
  });

  it("routes the ingress by host and path prefix, stripping the prefix where asked", async () => {
    const [shop, api, fallback] = await Promise.all(["shop", "api", "fallback"].map((id) => upstream(id, (req, res) => res.end(`${id} ${req.url}`))));
    cleanup.push(() => Promise.all([shop, api, fallback].map((u) => u!.close())).then(() => undefined));
    const port = portAt(3);
    const { plane } = await haproxyPlane(
      configOf([cluster("shop", [endpointOf(shop!)]), cluster("api", [endpointOf(api!)]), cluster("fallback", [endpointOf(fallback!)])], [{ kind: "ingress", port }], {
        routes: [
          { host: "shop.test", pathPrefix: "/", stripPrefix: false, serviceId: "shop" },
          { host: null, pathPrefix: "/api", stripPrefix: true, serviceId: "api" },
          { host: "*.example.test", pathPrefix: "/", stripPrefix: false, serviceId: "fallback" },
        ],
      }),
    );
    const at = (host: string, path: string) => get(`http://127.0.0.1:${port}${path}`, { headers: { host } });
    expect((await at("shop.test:80", "/cart?x=1")).body).toBe("shop /cart?x=1");
    expect((await at("shop.test", "/api/users?id=7")).body).toBe("api /users?id=7");
    expect((await at("other.test", "/api")).body).toBe("api /");
    expect((await at("www.example.test", "/apis")).body).toBe("fallback /apis");
    const missing = await at("other.test", "/apis");
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("no route for host other.test");
    const stats = await countedStats(plane, (st) => total(st.listeners[0]!.counters) === 5);
    expect(stats.listeners[0]!.counters.requests).toMatchObject({ "2xx": 4, "4xx": 1 });
  });

  it("reports a listener whose port another process holds as failed, serves the others, and binds it once the port is free", async () => {
    const [a] = await upstreams(1);
    const [taken, free] = [portAt(4), portAt(5)];
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(taken, "127.0.0.1", r));
    const { plane, reports } = await haproxyPlane(
      configOf(
        [cluster("web", [endpointOf(a!)]), cluster("api", [endpointOf(a!)])],
        [
          { kind: "service", port: taken, serviceId: "web" },
          { kind: "service", port: free, serviceId: "api" },
        ],
      ),
    );
    expect(reports).toEqual(
      expect.arrayContaining([
        { key: "service:web", bound: false, error: expect.stringMatching(/another process holds the port/) },
        { key: "service:api", bound: true, error: null },
      ]),
    );
    expect((await get(`http://127.0.0.1:${free}/`)).body).toBe("i1");
    await new Promise((r) => squatter.close(r));
    await waitFor(() => (reports.some((r) => r.key === "service:web" && r.bound) ? true : undefined), "the listener bound", 10_000);
    expect((await get(`http://127.0.0.1:${taken}/`)).body).toBe("i1");
    expect((await plane.stats()).listeners.every((l) => l.bound)).toBe(true);
  });

  it("reloads for a new listener without losing counts, and refuses what HAProxy mode can't do", async () => {
    const [a] = await upstreams(1);
    const [first, second, third] = [portAt(6), portAt(7), portAt(8)];
    const web = cluster("web", [endpointOf(a!)]);
    const { plane, reports, table, worker } = await haproxyPlane(configOf([web], [{ kind: "service", port: first, serviceId: "web" }]));
    for (let i = 0; i < 3; i++) await get(`http://127.0.0.1:${first}/`);
    const before = await worker();
    const listeners: ListenerConfig[] = [
      { kind: "service", port: first, serviceId: "web" },
      { kind: "edge", port: second, edgeId: "e1", fromId: "web", toId: "web" },
      { kind: "service", port: third, serviceId: "hedged" },
    ];
    plane.configure(
      configOf([web, cluster("hedged", [endpointOf(a!)], { perTryTimeoutMs: 100 })], listeners, {
        faults: [{ id: "f1", listener: "service:web", fault: { kind: "abort", percent: 10 }, until: Date.now() + 60_000 }],
      }),
    );
    // The replaced worker exits before anything reads the counters again: its counts were read before the reload.
    await waitFor(async () => ((t) => (t.worker !== before && !t.workers.some((pid) => pid === before) ? true : undefined))(await table()), "the replaced worker gone");
    for (const port of [first, second]) expect((await get(`http://127.0.0.1:${port}/`)).body).toBe("i1");
    const stats = await countedStats(plane, (st) => total(st.services.find((s) => s.serviceId === "web")!.counters) >= 5);
    expect(stats.services.find((s) => s.serviceId === "web")!.counters.requests["2xx"]).toBe(5);
    expect(stats.endpoints.find((e) => e.instanceId === "i1")!.counters.requests["2xx"]).toBe(5);
    expect(reports).toEqual(
      expect.arrayContaining([
        { key: "service:hedged", bound: false, error: expect.stringMatching(/per-try timeout/) },
        { key: "service:web", bound: true, error: expect.stringMatching(/chaos faults \(abort\) are not injected/) },
      ]),
    );
  });

  it("passes a tcp service's bytes through and counts its connections and bytes", async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => echo.close(() => r())));
    const port = portAt(9);
    const { plane } = await haproxyPlane(configOf([cluster("cache", [{ id: "c1", host: "127.0.0.1", port: (echo.address() as net.AddressInfo).port, revision: 1 }], { protocol: "tcp" })], [{ kind: "service", port, serviceId: "cache" }]));
    for (let i = 0; i < 3; i++) expect(await tcpEcho(port, "ping\n")).toBe("ping\n");
    const stats = await countedStats(plane, (st) => st.endpoints[0]!.counters.connections.total === 3 && st.endpoints[0]!.counters.connections.open === 0);
    expect(stats.endpoints[0]!.counters.connections).toMatchObject({ total: 3, bytesIn: 15, bytesOut: 15, connectErrors: 0 });
    expect(stats.services[0]!.counters.requests["2xx"]).toBe(0);
  });

  it("speaks HTTP/2 with prior knowledge to the listener and to instances of a grpc or http2 service", async () => {
    const upstreamH2 = http2.createServer((req, res) => res.end(`h2 ${req.httpVersion} ${req.url}`));
    await new Promise<void>((r) => upstreamH2.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => upstreamH2.close(() => r())));
    const port = portAt(10);
    await haproxyPlane(configOf([cluster("stream", [{ id: "s1", host: "127.0.0.1", port: (upstreamH2.address() as net.AddressInfo).port, revision: 1 }], { protocol: "http2" })], [{ kind: "service", port, serviceId: "stream" }]));
    const client = http2.connect(`http://127.0.0.1:${port}`);
    cleanup.push(() => void client.close());
    const body = await new Promise<string>((resolve, reject) => {
      const stream = client.request({ ":path": "/hello" });
      let text = "";
      stream.setEncoding("utf8");
      stream.on("data", (d: string) => (text += d));
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    expect(body).toBe("h2 2.0 /hello");
  });

  it("is taken over by the next Gantry's data plane without a refused connection, and started again if killed", async () => {
    const [a] = await upstreams(1, (_req, res) => res.end(JSON.stringify({ pid: 1 })));
    const port = portAt(11);
    const config = configOf([cluster("web", [endpointOf(a!)])], [{ kind: "service", port, serviceId: "web" }]);
    const first = await haproxyPlane(config);
    // New connections only: the reload that loads the new Gantry's configuration ends keep-alive ones,
    // and one closed while idle can race the client's next request (README: Choosing the data plane).
    const load = startLoad(`http://127.0.0.1:${port}/`, { keepAlive: 0, fresh: 4 });
    // Gantry gone without stopping it (a crash): HAProxy serves on, and the next one adopts it,
    // leaving it as it is until it has the configuration (a boot reads it from the database first).
    first.plane.release();
    const second = await haproxyPlane(config, first.dataDir, 500);
    const { master } = await second.table();
    await new Promise((r) => setTimeout(r, 200));
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);
    expect((await second.table()).master).toBe((await first.table()).master);

    // HAProxy killed under it: the data plane notices at its next read of counters (the engine reads them every second) and starts another.
    process.kill(master, "SIGKILL");
    await waitFor(
      async () => {
        await second.plane.stats();
        return (await get(`http://127.0.0.1:${port}/`).catch(() => undefined))?.status === 200 ? true : undefined;
      },
      "HAProxy serving again",
      10_000,
      200,
    );
    expect((await second.table()).master).not.toBe(master);
  });
});

/** One connection: sends `text`, resolves with what came back once as much came back. */
function tcpEcho(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.on("data", (d) => {
      answer += d.toString();
      if (answer.length >= text.length) socket.end();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}
