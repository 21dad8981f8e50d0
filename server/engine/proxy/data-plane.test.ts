import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, testListenerRange } from "../../testing/gantry";
import { get } from "../../testing/http";
import { startLoad } from "../../testing/load";
import { isAlive } from "../../testing/processes";
import { waitFor } from "../../testing/wait";
import { dataPlaneFiles, readState } from "./control/files";
import { cluster, endpointOf, upstream, type Upstream } from "./testing/proxy-harness";
import type { ControllerOptions } from "./testing/data-plane-controller";
import type { DataPlaneConfig } from "./types";

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
    const child = spawn(process.execPath, ["--import", "tsx", controllerScript, JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] });
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

  /** A data dir and a configuration with one service listener in front of an instance that answers its pid. */
  async function setting(name: string, slot: number) {
    instance ??= await upstream("web-1", (_req, res) => res.end(JSON.stringify({ pid: process.pid })));
    const port = testListenerRange().from + slot;
    const config: DataPlaneConfig = { host: "127.0.0.1", clusters: [cluster("web", [endpointOf(instance)])], listeners: [{ kind: "service", port, serviceId: "web" }], routes: [] };
    const dataDir = tempDir(name);
    const url = `http://127.0.0.1:${port}/`;
    return { dataDir, config, url, state: () => readState(dataPlaneFiles(dataDir).state) };
  }

  it("keeps serving with no Gantry; the next Gantry of the same build takes it over without a gap", async () => {
    const { dataDir, config, url, state } = await setting("dp-adopt", 20);
    const first = await controller({ dataDir, build: "build-1", orphanMs: 20_000, config });
    await waitFor(async () => ((await get(url, fresh)).status === 200 ? true : undefined), "the listener");
    const dataPlane = state()!.pid;

    const load = startLoad(url);
    await sleep(300);
    await kill(first);
    await sleep(1000);
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

  it("is replaced by a Gantry of another build without a gap: the new one gets its listening sockets, the old one exits", async () => {
    const { dataDir, config, url, state } = await setting("dp-upgrade", 21);
    const first = await controller({ dataDir, build: "build-1", orphanMs: 20_000, config });
    await waitFor(async () => ((await get(url, fresh)).status === 200 ? true : undefined), "the listener");
    const old = state()!.pid;

    const load = startLoad(url);
    await sleep(300);
    await kill(first);
    await sleep(500);
    await controller({ dataDir, build: "build-2", orphanMs: 20_000, config });
    await waitFor(() => (isAlive(old) ? undefined : true), "the old data plane to exit", 10_000);
    await sleep(500);
    const report = await load.stop();

    expect({ refused: report.refused, failures: report.failures.slice(0, 5) }).toEqual({ refused: 0, failures: [] });
    expect(report.ok).toBeGreaterThan(100);
    expect(state()).toMatchObject({ build: "build-2" });
    expect(state()!.pid).not.toBe(old);
  }, 60_000);

  it("retires when no Gantry has taken it over within the orphan time", async () => {
    const { dataDir, config, url, state } = await setting("dp-orphan", 22);
    const first = await controller({ dataDir, build: "build-1", orphanMs: 2000, config });
    await waitFor(async () => ((await get(url, fresh)).status === 200 ? true : undefined), "the listener");
    const dataPlane = state()!.pid;

    await kill(first);
    const killedAt = Date.now();
    await sleep(1000);
    expect((await get(url, fresh)).status).toBe(200); // still serving, for now
    await waitFor(() => (isAlive(dataPlane) ? undefined : true), "the data plane to retire", 10_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2000);
    expect((await get(url, fresh)).body).toContain("ECONNREFUSED");
    expect(fs.existsSync(dataPlaneFiles(dataDir).socket)).toBe(false);
    expect(state()).toBeUndefined();
  }, 60_000);
});
