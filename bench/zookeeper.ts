// npm run bench:zookeeper — how soon an instance's readiness flip shows in ZooKeeper, watched as a JVM client would,
// next to a plain client's create/delete seen by a watch on the same server.
import path from "node:path";
import zookeeper from "node-zookeeper-client";
import { ZooKeeperSession } from "../server/engine/registry/zookeeper-session";
import { zookeeperMissing, zookeeperServer } from "../server/testing/zookeeper-server";
import { benchAuth, saveResults, startGantryProcess, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const port = Number(process.env.BENCH_PORT ?? 3960);
const flips = 20;

const missing = zookeeperMissing();
if (missing) {
  console.log(`bench:zookeeper skipped: ${missing}`);
  process.exit(0);
}

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { n: sorted.length, medianMs: +at(0.5).toFixed(1), p95Ms: +at(0.95).toFixed(1), maxMs: +sorted.at(-1)!.toFixed(1) };
};
const show = (label: string, samples: number[]) => {
  const s = stats(samples);
  console.log(`${label.padEnd(52)} median ${s.medianMs.toFixed(1).padStart(6)} ms   p95 ${s.p95Ms.toFixed(1).padStart(6)} ms   (n=${s.n})`);
  return s;
};

/** Resolves (with performance.now()) when `path` is created or deleted, as a watch reports it. */
async function watchFlip(watcher: ZooKeeperSession, path: string, wantExists: boolean): Promise<() => Promise<number>> {
  let seen: (at: number) => void = () => {};
  const event = new Promise<number>((resolve) => (seen = resolve));
  const exists = await watcher.exists(path, (e) => {
    const type = e.getType();
    if ((wantExists && type === zookeeper.Event.NODE_CREATED) || (!wantExists && type === zookeeper.Event.NODE_DELETED)) seen(performance.now());
  });
  if (exists === wantExists) throw new Error(`${path} already ${wantExists ? "exists" : "gone"}`);
  return () => event;
}

const zk = zookeeperServer();
await zk.start();
const watcher = await ZooKeeperSession.open(zk.connect, 30_000);
const gantry = await startGantryProcess(port, {
  GANTRY_DASHBOARD: "0",
  GANTRY_INGRESS_PORT: "0",
  GANTRY_PORT_RANGE: "41000-41999",
  GANTRY_ZOOKEEPER_CONNECT: zk.connect,
});
try {
  const { api, url } = gantry;
  const name = "zk-bench";
  const service = await api.services.create.mutate({
    name,
    template: { command: process.execPath, args: [fixture], probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 0.1, failureThreshold: 1 } } },
  });
  const instance = await until(async () => (await api.instances.list.query({ serviceId: service.id })).find((i) => i.ready));
  const znode = `/gantry/services/${name}/${instance.id}`;
  await until(async () => ((await watcher.exists(znode)) ? true : undefined));

  /** When Gantry's catalog shows the flip: a Consul blocking query returns as soon as it changes. */
  const catalogFlip = async (wantPassing: boolean, index: string) => {
    for (;;) {
      const res = await fetch(`${url}/v1/health/service/${name}?passing&index=${index}&wait=10s`, { headers: benchAuth });
      const at = performance.now();
      if (((await res.json()) as unknown[]).length === (wantPassing ? 1 : 0)) return at;
      index = res.headers.get("x-consul-index") ?? index;
    }
  };

  const toCatalog = { ready: [] as number[], unready: [] as number[] };
  const toZnode = { ready: [] as number[], unready: [] as number[] };
  for (let i = 0; i < flips * 2; i++) {
    const becomingReady = i % 2 === 1;
    const index = (await fetch(`${url}/v1/health/service/${name}`, { headers: benchAuth })).headers.get("x-consul-index") ?? "0";
    const znodeEvent = await watchFlip(watcher, znode, becomingReady);
    const catalog = catalogFlip(becomingReady, index);
    const started = performance.now();
    await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
    const [catalogAt, znodeAt] = await Promise.all([catalog, znodeEvent()]);
    const key = becomingReady ? "ready" : "unready";
    toCatalog[key].push(catalogAt - started);
    toZnode[key].push(znodeAt - started);
    await new Promise((r) => setTimeout(r, 150));
  }

  // The floor: a plain client creating and deleting an ephemeral znode, seen by a watch on another session.
  const writer = await ZooKeeperSession.open(zk.connect, 30_000);
  await writer.mkdirp("/bench");
  const raw = { create: [] as number[], delete: [] as number[] };
  for (let i = 0; i < flips; i++) {
    for (const creating of [true, false]) {
      const event = await watchFlip(watcher, "/bench/raw", creating);
      const started = performance.now();
      await (creating ? writer.create("/bench/raw", Buffer.from("{}"), zookeeper.CreateMode.EPHEMERAL) : writer.remove("/bench/raw"));
      raw[creating ? "create" : "delete"].push((await event()) - started);
    }
  }
  await writer.close();

  console.log(`ZooKeeper ${zk.connect}, ${flips} flips each way; Gantry's readiness probe runs every 100 ms`);
  const results = {
    flips,
    probePeriodMs: 100,
    toggleToCatalog: { ready: show("toggle → Gantry's catalog passing (probe detection)", toCatalog.ready), unready: show("toggle → Gantry's catalog not passing", toCatalog.unready) },
    toggleToZnode: { ready: show("toggle → znode created (watch fires)", toZnode.ready), unready: show("toggle → znode deleted (watch fires)", toZnode.unready) },
    /** The mirror's own share, flip by flip: the znode's watch after Gantry's catalog changed. */
    catalogToZnode: {
      ready: show("  the mirror's share (catalog → znode), ready", toZnode.ready.map((z, i) => z - toCatalog.ready[i]!)),
      unready: show("  the mirror's share (catalog → znode), unready", toZnode.unready.map((z, i) => z - toCatalog.unready[i]!)),
    },
    samples: { toCatalog, toZnode, raw },
    rawClient: { create: show("plain client create → watch fires", raw.create), delete: show("plain client delete → watch fires", raw.delete) },
  };
  console.log(`results: ${saveResults("zookeeper", results)}`);
} finally {
  await watcher.close();
  await gantry.stop();
  await zk.destroy();
}
