// npm run bench:footprint — a warm start's time to /readyz and what Gantry holds in memory, on
// PGlite and on PostgreSQL, as a user runs it (`npm start`: dashboard and demo). Per backend: a
// first start seeds the demo; three warm starts are timed from spawn to /readyz, and from the log's
// "database open" to its "ready"; the last one idles 20 s, then its resident memory is read, for the
// main process, each data plane process and the launcher of exec probes' commands if one runs (RSS,
// and PSS summed), and again with the demo scaled to 50 instances.
// With GANTRY_DATA_PLANE=haproxy in its environment, the data plane counted is HAProxy's master and worker.
// Reference in the same run: a bare `node` process that listens on a port (the floor of any Node
// process here). Targets (issue 22): readyz ≤ 3 s on PGlite and ≤ 2 s on PostgreSQL, ≤ 0.5 s of it
// after the database opens; idle ≤ 250 MB for all processes together, ≤ 300 MB with 50 instances.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import pg from "pg";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../server/api/router";
import { MAIN_NODE_ARGS, MALLOC_ENV } from "../server/lib/node-tuning";
import { dataPlaneProcessesOf, descendantsOf, haproxyProcessesOf, launcherProcessesOf } from "../server/testing/processes";
import { benchAdmin, benchAuth, benchToken, newDataDir, processStats, saveResults, until } from "./gantry-process";

const root = path.resolve(import.meta.dirname, "..");
const WARM_STARTS = 3;
const IDLE_MS = 20_000;
const ports = { gantry: 3985, ingress: 3986, listeners: "38800-38899", instances: "38900-38999" };
const pgUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

type Started = { child: ChildProcess; readyzMs: number; afterDatabaseMs: number | undefined; stop(): Promise<void> };

/** `npm start`'s server on a data dir, its JSON log read for when the database opened and when it was ready. */
async function start(dataDir: string, env: Record<string, string>): Promise<Started> {
  const began = performance.now();
  // As `npm start` runs it: the bundled server with its malloc and V8 settings (the dashboard is built by `npm run bench:footprint`).
  const child = spawn(process.execPath, [...MAIN_NODE_ARGS, path.join(root, "scripts/run-bundled.mjs"), "server/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ...MALLOC_ENV,
      GANTRY_PORT: String(ports.gantry),
      GANTRY_INGRESS_PORT: String(ports.ingress),
      GANTRY_LISTENER_PORT_RANGE: ports.listeners,
      GANTRY_PORT_RANGE: ports.instances,
      GANTRY_DATA_DIR: dataDir,
      GANTRY_BOOTSTRAP_TOKEN: benchToken,
      GANTRY_ADMIN_PASSWORD: benchAdmin.password,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const marks: Record<string, number> = {};
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    const msg = /"msg":"(database open|ready)"/.exec(line)?.[1];
    if (msg) marks[msg] = Date.parse(JSON.parse(line).time as string);
  });
  await until(async () => (child.exitCode === null ? ((await fetch(`http://127.0.0.1:${ports.gantry}/readyz`).then((r) => r.ok, () => false)) || undefined) : Promise.reject(new Error(`Gantry exited with ${child.exitCode}`))), 120_000);
  const readyzMs = performance.now() - began;
  await until(async () => marks.ready ?? undefined, 5000).catch(() => undefined);
  return {
    child,
    readyzMs,
    afterDatabaseMs: marks.ready && marks["database open"] ? marks.ready - marks["database open"] : undefined,
    stop: async () => {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    },
  };
}

/** Proportional share of a process's resident memory: pages shared with others (Node's own code) counted once over all. */
const pssBytes = (pid: number) => Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0) * 1024;

const PAGE_BYTES = 4096; // x86-64 Linux
const PAGE_CHUNK = 65_536; // pagemap entries read at a time
const USER_PAGES = 2 ** 47 / PAGE_BYTES;

/**
 * The memory a group of processes holds together, each physical page once: their resident pages'
 * frame numbers from /proc/PID/pagemap (root sees them; others read zeros, then undefined). Unlike
 * PSS, pages shared with processes outside the group (instances run node too) count in full.
 */
function residentTogetherBytes(pids: number[]): number | undefined {
  const frames = new Set<number>();
  const entries = Buffer.alloc(PAGE_CHUNK * 8);
  for (const pid of pids) {
    const mappings = fs.readFileSync(`/proc/${pid}/maps`, "utf8").matchAll(/^([0-9a-f]+)-([0-9a-f]+) /gm);
    const ranges = [...mappings].map((m) => ({ first: parseInt(m[1]!, 16) / PAGE_BYTES, end: parseInt(m[2]!, 16) / PAGE_BYTES }));
    const pagemap = fs.openSync(`/proc/${pid}/pagemap`, "r");
    try {
      // Not [vsyscall], which lies above user space.
      for (const { first, end } of ranges.filter((range) => range.first < USER_PAGES)) {
        for (let page = first; page < end; page += PAGE_CHUNK) {
          const count = Math.min(PAGE_CHUNK, end - page);
          const read = fs.readSync(pagemap, entries, 0, count * 8, page * 8) / 8;
          for (let i = 0; i < read; i++) {
            const high = entries.readUInt32LE(i * 8 + 4);
            if (high >>> 31) frames.add((high & 0x7fffff) * 2 ** 32 + entries.readUInt32LE(i * 8)); // present: bit 63; frame: bits 0–54
          }
        }
      }
    } finally {
      fs.closeSync(pagemap);
    }
  }
  return frames.size > 0 && !frames.has(0) ? frames.size * PAGE_BYTES : undefined;
}

/**
 * Resident memory of Gantry's processes: its main process, its data plane and the launcher of exec
 * probes' commands if one runs; their sum (RSS, which counts the Node binary once per process), PSS
 * (which shares it out) and each page once.
 */
async function memoryOf(gantry: ChildProcess) {
  const main = processStats(gantry.pid!).rssBytes;
  // Gantry's own data plane, or HAProxy's master and worker (GANTRY_DATA_PLANE=haproxy, passed through).
  const dataPlanePids = [...dataPlaneProcessesOf(gantry.pid!), ...haproxyProcessesOf(gantry.pid!)];
  const dataPlane = dataPlanePids.map((pid) => processStats(pid).rssBytes);
  const launcherPids = launcherProcessesOf(gantry.pid!);
  const launcher = launcherPids.reduce((sum, pid) => sum + processStats(pid).rssBytes, 0);
  const own = [gantry.pid!, ...dataPlanePids, ...launcherPids];
  const together = residentTogetherBytes(own);
  const instances = descendantsOf(gantry.pid!).filter((pid) => !own.includes(pid)).length;
  return {
    mainMiB: mib(main),
    dataPlaneMiB: dataPlane.map(mib),
    launcherMiB: mib(launcher),
    totalMiB: mib(main + launcher + dataPlane.reduce((a, b) => a + b, 0)),
    totalPssMiB: mib(own.reduce((sum, pid) => sum + pssBytes(pid), 0)),
    togetherMiB: together === undefined ? undefined : mib(together),
    processesOfInstances: instances,
  };
}

/** The floor: a bare Node process listening on a port. */
async function bareNodeMiB(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "require('http').createServer((q,s)=>s.end()).listen(0, () => console.log('up'))"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((r) => child.stdout!.once("data", r));
  await new Promise((r) => setTimeout(r, 1000));
  const rss = processStats(child.pid!).rssBytes;
  child.kill();
  return mib(rss);
}

async function backend(name: string, env: Record<string, string>) {
  const dataDir = newDataDir();
  try {
    const first = await start(dataDir, { GANTRY_DEMO: "1", ...env });
    await new Promise((r) => setTimeout(r, 3000)); // the demo's instances up, its state written
    await first.stop();
    const warm: Started[] = [];
    for (let i = 0; i < WARM_STARTS; i++) {
      const started = await start(dataDir, env);
      warm.push(started);
      if (i < WARM_STARTS - 1) await started.stop();
    }
    const last = warm.at(-1)!;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = await memoryOf(last.child);
    const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `http://127.0.0.1:${ports.gantry}/api/trpc`, headers: { ...benchAuth, "x-gantry-csrf": "1" } })] });
    const services = (await api.services.list.query()).filter((s) => !s.external);
    const each = Math.ceil(50 / services.length);
    for (const service of services) await api.services.scale.mutate({ id: service.id, replicas: each });
    await until(async () => ((await api.instances.list.query({})).filter((i) => i.phase === "Running").length >= each * services.length ? true : undefined), 120_000);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const withFifty = { ...(await memoryOf(last.child)), instances: each * services.length };
    await last.stop();
    return {
      backend: name,
      readyzMs: warm.map((w) => Math.round(w.readyzMs)),
      medianReadyzMs: Math.round(median(warm.map((w) => w.readyzMs))),
      afterDatabaseMs: warm.map((w) => w.afterDatabaseMs),
      idle,
      withFifty,
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const describeMemory = (m: Awaited<ReturnType<typeof memoryOf>>) =>
  `${m.totalMiB} MiB RSS, ${m.totalPssMiB} MiB PSS, ${m.togetherMiB ?? "?"} MiB with each page once (main ${m.mainMiB}, data plane ${m.dataPlaneMiB.join(" + ")}, launcher ${m.launcherMiB})`;

const database = `bench_footprint_${process.pid}`;
const admin = new URL(pgUrl);

const client = new pg.Client({ connectionString: pgUrl });
await client.connect();
await client.query(`CREATE DATABASE ${database}`);
try {
  const bare = await bareNodeMiB();
  const pglite = await backend("pglite", {});
  admin.pathname = `/${database}`;
  const postgres = await backend("postgresql", { DATABASE_URL: admin.href });
  const results = { bareNodeMiB: bare, runs: [pglite, postgres], targets: { readyzMs: { pglite: 3000, postgresql: 2000 }, afterDatabaseMs: 500, idleMiB: 250, withFiftyMiB: 300 } };
  for (const run of results.runs) {
    console.log(
      `${run.backend}: warm start → /readyz ${run.readyzMs.join(", ")} ms (median ${run.medianReadyzMs}; after the database opened: ${run.afterDatabaseMs.join(", ")} ms); ` +
        `idle ${describeMemory(run.idle)}; with ${run.withFifty.instances} instances ${describeMemory(run.withFifty)}`,
    );
  }
  console.log(`reference: a bare node process listening on a port holds ${bare} MiB`);
  console.log(`saved ${saveResults("footprint", results)}`);
} finally {
  await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await client.end();
}
