import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import WebSocket from "ws";
import type { AppRouter } from "../server/api/router";
import { MAIN_NODE_ARGS, MALLOC_ENV } from "../server/lib/node-tuning";

const root = path.resolve(import.meta.dirname, "..");

/** The admin every bench Gantry creates at boot, and its bootstrap API token. */
export const benchAdmin = { username: "admin", password: "bench-admin-password" };
export const benchToken = "bench-bootstrap-token-0123456789abcdef";
export const benchAuth = { authorization: `Bearer ${benchToken}` };

export type GantryProcess = {
  child: ChildProcess;
  url: string;
  api: ReturnType<typeof createTRPCClient<AppRouter>>;
  stop(): Promise<void>;
};

/** A scratch data dir for a bench Gantry; `stop()` removes it. */
export const newDataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "gantry-bench-"));

/** A Gantry without the dashboard or the ingress, its listeners and instances on port ranges of the bench's own. */
export function startHeadlessGantry(port: number, ranges: { listeners: string; instances: string }, env: Record<string, string> = {}, dataDir = newDataDir(), nodeArgs: string[] = []): Promise<GantryProcess> {
  return startGantryProcess(port, { GANTRY_DASHBOARD: "0", GANTRY_INGRESS_PORT: "0", GANTRY_LISTENER_PORT_RANGE: ranges.listeners, GANTRY_PORT_RANGE: ranges.instances, ...env }, nodeArgs, dataDir);
}

/**
 * A full garbage collection in a Gantry started with `--inspect=127.0.0.1:<inspectPort>`, asked
 * through the inspector protocol. A memory window that starts from one measures what is live and
 * what piles up within it, not what start-up or a burst of connects left for a GC that may or may
 * not have come yet (hundreds of MiB of start-up buffers, some runs).
 */
export async function collectGarbage(inspectPort: number): Promise<void> {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const session = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => session.once("open", resolve).once("error", reject));
  await new Promise<void>((resolve) => {
    session.on("message", (raw: Buffer) => (JSON.parse(raw.toString()) as { id?: number }).id === 1 && resolve());
    session.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }));
  });
  session.close();
}

/**
 * A real Gantry (`server/main.ts`, dashboard included) on a scratch data dir, as users run it (with
 * `npm start`'s malloc and V8 settings);
 * pass `dataDir` to start it on what an earlier one left.
 */
export async function startGantryProcess(port: number, env: Record<string, string> = {}, nodeArgs: string[] = [], dataDir = newDataDir()): Promise<GantryProcess> {
  const child = spawn(process.execPath, [...MAIN_NODE_ARGS, ...nodeArgs, path.join(root, "scripts/run-bundled.mjs"), "server/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ...MALLOC_ENV,
      GANTRY_PORT: String(port),
      GANTRY_DATA_DIR: dataDir,
      GANTRY_DEMO: "0",
      GANTRY_ADMIN_PASSWORD: benchAdmin.password,
      GANTRY_BOOTSTRAP_TOKEN: benchToken,
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Gantry exited with code ${child.exitCode} during startup`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGTERM"); // not left running behind a failed benchmark
      throw new Error("Gantry did not become ready within 60 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    api: createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc`, headers: benchAuth })] }),
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (user + system) and resident memory of one process itself, not its children. */
export function processStats(pid: number): { cpuSeconds: number; userSeconds: number; systemSeconds: number; rssBytes: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const [userSeconds, systemSeconds] = [Number(f[11]) / 100, Number(f[12]) / 100];
  return { cpuSeconds: userSeconds + systemSeconds, userSeconds, systemSeconds, rssBytes: rssKb * 1024 };
}

/** Average CPU (% of one core) of a process over `ms`, and its RSS at the end. */
export async function measureIdle(pid: number, ms: number): Promise<{ cpuPercent: number; rssMiB: number }> {
  const before = processStats(pid);
  await new Promise((r) => setTimeout(r, ms));
  const after = processStats(pid);
  return { cpuPercent: ((after.cpuSeconds - before.cpuSeconds) / (ms / 1000)) * 100, rssMiB: after.rssBytes / 2 ** 20 };
}

export function saveResults(name: string, results: unknown): string {
  const dir = path.join(root, "bench/results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  return path.relative(root, file);
}

/** Polls `probe` until it returns a value. */
export async function until<T>(probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once something accepts TCP connections on the loopback port. */
export async function waitForPort(port: number): Promise<void> {
  await until(
    () =>
      new Promise<true | undefined>((resolve) => {
        const socket = net.connect({ port, host: "127.0.0.1" });
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(undefined));
      }),
    30_000,
  );
}
