import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, testListenerRange } from "../../testing/gantry";
import { get } from "../../testing/http";
import { startLoad } from "../../testing/load";
import { descendantsOf, isAlive } from "../../testing/processes";
import { waitFor } from "../../testing/wait";
import { processStartTime } from "../../lib/proc";
import { dataPlaneFiles, readState, writeState } from "./control/files";
import { cluster, endpointOf, upstream, type Upstream } from "./testing/proxy-harness";
import type { ControllerOptions } from "./testing/data-plane-controller";
import type { DataPlaneConfig, ListenerConfig } from "./types";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fresh = new http.Agent({ keepAlive: false });
const controllerScript = path.join(import.meta.dirname, "testing/data-plane-controller.ts");

describe("the data plane, outliving the Gantry that started it", () => {
  const controllers = new Set<ChildProcess>();
  let instance: Upstream | undefined;
  afterAll(async () => {
    // Stopped as Gantry stops: the data plane they hold retires with them.
    await Promise.all([...controllers].map((c) => new Promise((resolve) => (c.once("exit", resolve), c.kill("SIGTERM")))));
    await instance?.close();
  });

  /** A stand-in for Gantry's engine (see testing/data-plane-controller.ts), once it has sent its configuration. */
  async function controller(options: ControllerOptions): Promise<ChildProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", controllerScript, JSON.stringify(options)], { stdio: ["pipe", "pipe", "inherit"] });
    controllers.add(child);
    child.once("exit", () => controllers.delete(child));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("attached") && resolve());
      child.once("exit", (code) => reject(new Error(`the controller exited (code ${code}) before attaching`)));
    });
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** A configuration with a service listener (and an edge's) in front of an instance that answers its pid. */
  async function listening(slot: number) {
    instance ??= await upstream("web-1", (_req, res) => res.end(JSON.stringify({ pid: process.pid })));
    // From the top of the worker's listener range: in-process test Gantrys take ports from its bottom up.
    const port = testListenerRange().to - 40 + slot;
    const config: DataPlaneConfig = {
      host: "127.0.0.1",
      clusters: [cluster("web", [endpointOf(instance)])],
      // Two listeners, so two sockets to hand over, each to its own listener.
      listeners: [
        { kind: "service", port, serviceId: "web" },
        { kind: "edge", port: port + 5, edgeId: "web-self", fromId: "web", toId: "web" },
      ],
      routes: [],
    };
    const url = `http://127.0.0.1:${port}/`;
    // Answered by this test's instance, not by whatever else might hold the port.
    const ours = JSON.stringify({ pid: process.pid });
    return { config, url, answering: () => waitFor(async () => ((await get(url, fresh)).body === ours ? true : undefined), "the listener") };
  }

  /** A data dir whose data plane, started by a controller of build-1, serves; `orphanMs` is its orphan time, `workers` its proxy workers. */
  async function serving(name: string, slot: number, orphanMs = 20_000, workers = 1) {
    const { config, url, answering } = await listening(slot);
    const dataDir = tempDir(name);
    const first = await controller({ dataDir, build: "build-1", orphanMs, config, workers });
    await answering();
    const state = () => readState(dataPlaneFiles(dataDir).state);
    return { dataDir, config, url, first, state, dataPlane: state()!.pid };
  }

  /** Load on the listener, during which the controller is killed as Gantry is by kill -9. */
  async function killedUnderLoad(setting: Awaited<ReturnType<typeof serving>>) {
    const load = startLoad(setting.url);
    await sleep(300);
    await kill(setting.first);
    await sleep(500);
    return load;
  }

  it("keeps serving with no Gantry; the next Gantry of the same build takes it over without a gap", async () => {
    const setting = await serving("dp-adopt", 20);
    const { dataDir, config, state, dataPlane } = setting;
    const load = await killedUnderLoad(setting);
    await controller({ dataDir, build: "build-1", orphanMs: 20_000, config });
    await sleep(500);
    const report = await load.stop();

    expect({ refused: report.refused, failures: report.failures.slice(0, 5) }).toEqual({ refused: 0, failures: [] });
    expect(report.ok).toBeGreaterThan(100);
    expect(state()?.pid).toBe(dataPlane);
    // Only its user may steer it.
    expect(fs.statSync(dataPlaneFiles(dataDir).socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataPlaneFiles(dataDir).state).mode & 0o777).toBe(0o600);
  }, 60_000);

  it("is replaced by a Gantry of another build without a gap, twice in a row, from two proxy workers to one process and back: the new one gets the listening sockets, the old one exits", async () => {
    const setting = await serving("dp-upgrade", 21, 20_000, 2);
    const { dataDir, config, state } = setting;
    const replaced = [setting.dataPlane];
    expect(descendantsOf(setting.dataPlane)).toHaveLength(2);
    const load = await killedUnderLoad(setting);
    const second = await controller({ dataDir, build: "build-2", orphanMs: 20_000, config });
    await waitFor(() => (isAlive(replaced[0]!) ? undefined : true), "the first data plane to exit", 10_000);
    expect(state()).toMatchObject({ build: "build-2" });
    replaced.push(state()!.pid);
    expect(descendantsOf(state()!.pid)).toEqual([]); // one worker: it proxies itself
    // Its sockets were inherited: it hands them on all the same. The next one has no use for the edge's.
    await kill(second);
    const [service, edge] = config.listeners as [ListenerConfig, ListenerConfig];
    const third = await controller({ dataDir, build: "build-3", orphanMs: 20_000, config: { ...config, listeners: [service] }, workers: 2 });
    await waitFor(() => (isAlive(replaced[1]!) ? undefined : true), "the second data plane to exit", 10_000);
    await sleep(500);
    const report = await load.stop();

    expect({ refused: report.refused, failures: report.failures.slice(0, 5) }).toEqual({ refused: 0, failures: [] });
    expect(report.ok).toBeGreaterThan(200);
    expect(state()).toMatchObject({ build: "build-3" });
    expect(replaced).not.toContain(state()!.pid);
    expect((await get(`http://127.0.0.1:${edge.port}/`, fresh)).body).toContain("ECONNREFUSED");

    // The sockets it took over are its own: listeners moved elsewhere free their old ports at once.
    const moved = { ...config, listeners: [service, edge].map((listener) => ({ ...listener, port: listener.port + 10 })) };
    third.stdin!.write(`${JSON.stringify(moved)}\n`);
    for (const [before, after] of [service, edge].map((listener, i) => [listener.port, moved.listeners[i]!.port])) {
      await waitFor(async () => ((await get(`http://127.0.0.1:${after}/`, fresh)).status === 200 ? true : undefined), `the listener moved to ${after}`);
      await waitFor(async () => ((await get(`http://127.0.0.1:${before}/`, fresh)).body.includes("ECONNREFUSED") ? true : undefined), `${before} to refuse`, 3000);
    }
  }, 60_000);

  it("replaces a data plane that takes connections on its control socket but never answers", async () => {
    const { config, answering } = await listening(23);
    const dataDir = tempDir("dp-stuck");
    const files = dataPlaneFiles(dataDir);
    // What a data plane stuck in a loop looks like from outside, named by its state file.
    const stuck = spawn(process.execPath, ["-e", `require("net").createServer(() => {}).listen(${JSON.stringify(files.socket)}); setInterval(() => {}, 1000)`], { detached: true, stdio: "ignore" });
    await waitFor(() => (fs.existsSync(files.socket) ? true : undefined), "the stuck process's socket");
    writeState(files.state, { pid: stuck.pid!, startTime: String(processStartTime(stuck.pid!)), protocol: 1, build: "build-1" });

    await controller({ dataDir, build: "build-1", orphanMs: 20_000, config });
    await answering();
    expect(stuck.signalCode).toBe("SIGKILL");
    expect(readState(files.state)!.pid).not.toBe(stuck.pid);
  }, 60_000);

  it("retires when no Gantry has taken it over within the orphan time", async () => {
    // Short, but not so short that a loaded machine lets it run out before its first Gantry attaches
    // (the wait also runs from the data plane's start) or before the check that it still serves.
    const orphanMs = 6000;
    const { dataDir, url, first, state, dataPlane } = await serving("dp-orphan", 22, orphanMs);
    await kill(first);
    const killedAt = Date.now();
    await sleep(1000);
    expect((await get(url, fresh)).status).toBe(200); // still serving, for now
    await waitFor(() => (isAlive(dataPlane) ? undefined : true), "the data plane to retire", orphanMs + 20_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(orphanMs);
    expect((await get(url, fresh)).body).toContain("ECONNREFUSED");
    expect(fs.existsSync(dataPlaneFiles(dataDir).socket)).toBe(false);
    expect(state()).toBeUndefined();
  }, 60_000);
});
