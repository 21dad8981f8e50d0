import { afterEach, describe, expect, it } from "vitest";
import { defaultStrategy } from "../contracts/rollout";
import { instanceTemplate, type InstanceTemplate, type InstanceTemplateInput } from "../contracts/service";
import { silentLogger } from "../lib/logger";
import { ManualClock } from "../lib/manual-clock";
import { tempDir, testPortRange } from "../testing/gantry";
import { FakeDriver } from "./drivers/fake-driver";
import { createEngine, type Engine, type EngineOptions } from "./index";
import { RecordingDataPlane } from "./proxy/testing/recording-data-plane";
import { MemoryStore } from "./testing/memory-store";
import type { DesiredService } from "./types";

const template = (overrides: Partial<InstanceTemplateInput> = {}): InstanceTemplate =>
  instanceTemplate.parse({ command: "server", env: { MODE: "test" }, listens: false, ...overrides });

const service = (overrides: Partial<DesiredService> = {}): DesiredService => ({
  id: "svc-1",
  name: "api",
  replicas: 1,
  revision: 1,
  template: template(),
  deleting: false,
  strategy: defaultStrategy,
  rollout: null,
  ...overrides,
});

/** Waits (in real time, for hooks' file I/O) until `check` holds. */
async function until(check: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
});

async function harness(initial: DesiredService[] = [service()], store = new MemoryStore(), driver = new FakeDriver(), probeRunner?: EngineOptions["probeRunner"]) {
  const clock = new ManualClock();
  for (const s of initial) store.put(s);
  const dataPlane = new RecordingDataPlane();
  const engine = createEngine({ store, drivers: { process: driver }, clock, log: silentLogger, dataDir: tempDir("engine"), baseDir: "/", portRange: testPortRange(), host: "127.0.0.1", ingressPort: 0, dataPlane, resyncMs: 60_000, probeRunner });
  engines.push(engine);
  await engine.start();
  const phases = () => engine.instances().map((i) => i.phase);
  return { store, driver, clock, engine, phases, dataPlane };
}

describe("engine with a fake driver", () => {
  it("starts the wanted replicas with PORT, identity and the spec's env, each on its own port", async () => {
    const { driver, engine } = await harness([service({ replicas: 3 })]);
    await until(() => engine.instances().filter((i) => i.phase === "Running" && i.ready).length === 3, "3 running");
    const specs = driver.running().map((p) => p.spec);
    expect(new Set(specs.map((s) => s.env.PORT)).size).toBe(3);
    for (const spec of specs) {
      expect(spec.env).toMatchObject({ MODE: "test", GANTRY_SERVICE: "api", GANTRY_INSTANCE: spec.instanceId });
      expect(spec.env.DATABASE_URL).toBeUndefined();
    }
  });

  it("reads a service's desired state again when told it changed, not at each transition of its instances", async () => {
    const store = new MemoryStore();
    let reads = 0;
    const read = store.desiredService.bind(store);
    store.desiredService = (id) => (reads++, read(id));
    const { engine } = await harness([service({ replicas: 1 })], store);
    await until(() => engine.instances().filter((i) => i.ready).length === 1, "1 ready");
    await engine.settled();
    reads = 0;
    store.put(service({ replicas: 2 }));
    engine.enqueue("svc-1");
    await until(() => engine.instances().filter((i) => i.ready).length === 2, "2 ready");
    await engine.settled();
    expect(reads).toBe(1); // the new instance went Pending → Starting → Running → ready meanwhile
  });

  it("scales down gracefully, newest first, and back up", async () => {
    // One first, so which is oldest is known (three started at once may spawn in any order).
    const { store, driver, engine } = await harness([service({ replicas: 1 })]);
    await until(() => engine.instances().filter((i) => i.ready).length === 1, "1 ready");
    const oldest = driver.running()[0]!;
    store.put(service({ replicas: 3 }));
    engine.enqueue("svc-1");
    // All ready: scale-down takes unready instances before newer ones.
    await until(() => engine.instances().filter((i) => i.ready).length === 3, "3 ready");
    store.put(service({ replicas: 1 }));
    engine.enqueue("svc-1");
    await until(() => engine.instances().length === 1, "scale-down");
    expect(driver.running()).toEqual([oldest]);
    expect(driver.processes.filter((p) => !p.alive).every((p) => p.signals[0] === "SIGTERM")).toBe(true);
    store.put(service({ replicas: 2 }));
    engine.enqueue("svc-1");
    await until(() => driver.running().length === 2, "scale-up");
  });

  it("restarts a crashing instance with growing backoff and a visible CrashLoop phase", async () => {
    const { driver, clock, engine, store } = await harness();
    await until(() => driver.running().length === 1);
    driver.running()[0]!.exit({ code: 1, signal: null });
    await until(() => engine.instances()[0]?.phase === "CrashLoop", "CrashLoop");
    const instance = engine.instances()[0]!;
    expect(instance).toMatchObject({ restarts: 1, exitCode: 1, reason: "Error" });
    expect(Date.parse(instance.nextRestartAt!) - clock.now()).toBe(1000);
    await clock.advance(999);
    expect(driver.running()).toHaveLength(0);
    await clock.advance(1);
    await until(() => driver.running().length === 1, "restart after 1 s");
    driver.running()[0]!.exit({ code: 1, signal: null });
    await until(() => engine.instances()[0]?.phase === "CrashLoop");
    expect(Date.parse(engine.instances()[0]!.nextRestartAt!) - clock.now()).toBe(2000);
    await until(() => store.events.some((e) => e.message.includes("exited with code 1; restarting in 2 s")), "crash event");
    // The same instance keeps its id and port across restarts.
    expect(engine.instances()).toHaveLength(1);
    expect(driver.processes.map((p) => p.spec.instanceId)).toEqual([instance.id, instance.id]);
    expect(new Set(driver.processes.map((p) => p.spec.env.PORT)).size).toBe(1);
  });

  it("marks an instance Failed with the spawn error and retries with backoff", async () => {
    const driver = new FakeDriver();
    driver.failNextSpawns("cannot start nosuch: no such file or directory in PATH or cwd");
    const { clock, engine, store } = await harness([service()], new MemoryStore(), driver);
    await until(() => engine.instances()[0]?.phase === "Failed", "Failed");
    expect(engine.instances()[0]).toMatchObject({ reason: "SpawnError", message: expect.stringContaining("no such file") });
    await until(() => store.events.some((e) => e.kind === "instance.failed" && e.message.includes("no such file")), "failed event");
    await clock.advance(1000);
    await until(() => engine.instances()[0]?.phase === "Running", "retry succeeded");
  });

  it("leaves a completed on-failure instance in place instead of replacing it", async () => {
    const { driver, engine } = await harness([service({ template: template({ restartPolicy: "on-failure" }) })]);
    await until(() => driver.running().length === 1);
    driver.running()[0]!.exit({ code: 0, signal: null });
    await until(() => engine.instances()[0]?.phase === "Stopped", "completed");
    await engine.settled();
    expect(engine.instances()).toMatchObject([{ phase: "Stopped", reason: "Completed" }]);
    expect(driver.processes).toHaveLength(1);
  });

  it("sends SIGKILL when an instance ignores its stop signal past the grace period", async () => {
    const driver = new FakeDriver();
    driver.ignoreStopSignal = true;
    const { clock, engine, store } = await harness([service({ template: template({ gracePeriodSeconds: 5, stopSignal: "SIGINT" }) })], new MemoryStore(), driver);
    await until(() => driver.running().length === 1);
    const process = driver.running()[0]!;
    engine.stopInstance(engine.instances()[0]!.id);
    await until(() => process.signals.length === 1);
    expect(process.signals).toEqual(["SIGINT"]);
    await clock.advance(4999);
    expect(process.alive).toBe(true);
    await clock.advance(1);
    expect(process.signals).toEqual(["SIGINT", "SIGKILL"]);
    await until(() => store.events.some((e) => e.kind === "instance.killed"), "kill event");
    // A replacement takes its place: the service still wants one replica.
    await until(() => driver.running().length === 1 && driver.running()[0] !== process, "replacement");
    driver.ignoreStopSignal = false; // let the replacement stop when the test ends
  });

  it("restarts one instance in place on request, keeping its id and port", async () => {
    const { driver, engine } = await harness();
    await until(() => driver.running().length === 1);
    const before = engine.instances()[0]!;
    engine.restartInstance(before.id);
    await until(() => driver.processes.length === 2 && engine.instances()[0]?.phase === "Running", "restarted");
    expect(engine.instances()[0]).toMatchObject({ id: before.id, port: before.port, restarts: 1 });
    expect(() => engine.restartInstance("api-nope")).toThrow("instance api-nope not found");
  });

  it("stops every instance of a deleted service, then finalizes the deletion", async () => {
    const { store, driver, engine } = await harness([service({ replicas: 2 })]);
    await until(() => driver.running().length === 2);
    store.put(service({ replicas: 2, deleting: true }));
    engine.enqueue("svc-1");
    await until(() => store.finalized.includes("svc-1"), "finalized");
    expect(driver.running()).toHaveLength(0);
    expect(engine.instances()).toHaveLength(0);
  });

  it("adopts instances that are still alive after a restart and forgets dead ones", async () => {
    const first = await harness([service({ replicas: 2 })]);
    await until(() => first.driver.running().length === 2);
    await until(() => first.store.records.size === 2 && [...first.store.records.values()].every((r) => r.runtime !== null), "records persisted");
    // Gantry "crashes": its engine is gone, the processes are not. One of them dies meanwhile.
    engines.splice(0);
    const [survivor, casualty] = first.driver.running();
    casualty!.exit({ code: null, signal: "SIGKILL" });

    const second = await harness([], first.store, first.driver);
    await until(() => second.engine.instances().filter((i) => i.phase === "Running").length === 2, "2 running");
    const ids = second.engine.instances().map((i) => i.id);
    expect(ids).toContain(survivor!.spec.instanceId);
    expect(ids).not.toContain(casualty!.spec.instanceId);
    // Only one new process was started: the survivor was adopted, not duplicated.
    expect(first.driver.processes).toHaveLength(3);
    expect(first.store.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["instance.adopted", "instance.stopped"]));
  });

  it("after a restart, routes to the instances it adopted from its first configuration on, before their probes have run", async () => {
    const probed = service({ replicas: 2, template: template({ listens: true, probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 1 } } }) });
    const first = await harness([probed], undefined, undefined, async () => ({ ok: true, message: "HTTP 200" }));
    await until(() => first.driver.running().length === 2, "2 running");
    await first.clock.advance(1000); // the first probes
    await until(() => first.engine.endpoints("svc-1").length === 2, "2 endpoints");
    await until(() => [...first.store.records.values()].filter((r) => r.ready).length === 2, "readiness persisted");
    engines.splice(0); // Gantry "crashes"; its instances live on

    // The next Gantry's probes have not answered yet; the data plane (still running) must not be told "no instances".
    const second = await harness([], first.store, first.driver, () => new Promise(() => {}));
    await until(() => second.dataPlane.configs.length > 0, "a configuration");
    expect(second.dataPlane.configs.map((config) => config.clusters.find((c) => c.serviceId === "svc-1")?.endpoints.length)).toEqual(second.dataPlane.configs.map(() => 2));
  });

  it("takes an adopted instance that was ready out of rotation once its port stops answering", async () => {
    const listening = service({ template: template({ listens: true }) });
    let answering = true;
    const first = await harness([listening], undefined, undefined, async () => ({ ok: answering, message: answering ? "connected" : "ECONNREFUSED" }));
    await until(() => first.driver.running().length === 1, "running");
    await first.clock.advance(100); // the port answers: ready
    await until(() => [...first.store.records.values()].some((r) => r.ready), "readiness persisted");
    engines.splice(0);

    answering = false;
    const second = await harness([], first.store, first.driver, async () => ({ ok: answering, message: answering ? "connected" : "ECONNREFUSED" }));
    expect(second.engine.endpoints("svc-1")).toHaveLength(1); // as it was
    await second.clock.advance(100);
    await until(() => second.engine.endpoints("svc-1").length === 0, "out of rotation");
  });
});

describe("rollouts with a fake driver", () => {
  const v2 = (overrides: Partial<DesiredService> = {}) =>
    service({
      replicas: 2,
      revision: 2,
      template: template({ args: ["v2"] }),
      rollout: { id: "r1", status: "progressing", fromRevision: 1, updated: 0, remaining: -1, progressAt: 0, cause: "update" },
      ...overrides,
    });

  it("replaces instances one at a time, never below the wanted ready count, and reports success", async () => {
    const { store, driver, engine, clock } = await harness([service({ replicas: 2 })]);
    store.now = () => clock.now();
    await until(() => engine.instances().filter((i) => i.ready).length === 2, "2 ready");
    const seen: number[] = [];
    engine.subscribe(() => seen.push(engine.instances().filter((i) => i.phase === "Running" && i.ready).length));
    store.put(v2());
    engine.enqueue("svc-1");
    await until(() => store.rolloutLog.includes("succeeded"), "rollout succeeded");
    expect(driver.running().map((p) => p.spec.template.args)).toEqual([["v2"], ["v2"]]);
    expect(driver.processes).toHaveLength(4);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(2);
    expect(store.rolloutLog).toEqual(["progressed 0/2", "progressed 1/2", "progressed 1/1", "progressed 2/1", "succeeded"]);
  });

  it("a rollout that makes no progress fails at its deadline and rolls back, the old instances untouched", async () => {
    const driver = new FakeDriver();
    const { store, engine, clock } = await harness([service({ replicas: 2 })], new MemoryStore(), driver);
    store.now = () => clock.now();
    await until(() => driver.running().length === 2);
    const original = driver.running().map((p) => p.pid);
    driver.failNextSpawns(...Array.from({ length: 10 }, () => "cannot start v2: no such file"));
    store.put(v2({ strategy: { ...defaultStrategy, progressDeadlineSeconds: 10, autoRollback: true }, rollout: { id: "r1", status: "progressing", fromRevision: 1, updated: 0, remaining: -1, progressAt: clock.now(), cause: "update" } }));
    store.revisions.set("svc-1/1", template());
    engine.enqueue("svc-1");
    await until(() => engine.instances().some((i) => i.revision === 2 && i.phase === "Failed"), "the new instance failing");
    await clock.advance(9_000);
    expect(store.rolloutLog.some((line) => line.startsWith("stalled"))).toBe(false);
    for (let s = 0; s < 2 && !store.rolloutLog.some((line) => line.startsWith("stalled")); s++) await clock.advance(1_000);
    expect(store.rolloutLog.at(-1)).toBe("stalled: no progress for 10 s: revision 2 has 0 of 2 instance(s) ready (1 crash-looping)");
    await until(() => engine.instances().length === 2, "the failed instance removed");
    expect(engine.instances().map((i) => i.revision)).toEqual([1, 1]);
    expect(driver.running().map((p) => p.pid)).toEqual(original);
  });

  it("rolls a run-to-completion service: completed instances are rerun on the new revision, and that counts as done", async () => {
    const job = (overrides: Partial<DesiredService> = {}) => service({ replicas: 2, template: template({ restartPolicy: "on-failure" }), ...overrides });
    const { store, driver, engine, clock } = await harness([job()]);
    store.now = () => clock.now();
    await until(() => driver.running().length === 2);
    for (const p of driver.running()) p.exit({ code: 0, signal: null });
    await until(() => engine.instances().every((i) => i.phase === "Stopped"), "both completed");
    store.put(job({ revision: 2, template: template({ restartPolicy: "on-failure", args: ["v2"] }), rollout: v2().rollout }));
    engine.enqueue("svc-1");
    await until(() => driver.running().length === 2 && driver.running().every((p) => p.spec.template.args[0] === "v2"), "rerun on revision 2");
    for (const p of driver.running()) p.exit({ code: 0, signal: null });
    await until(() => store.rolloutLog.includes("succeeded"), "rollout succeeded");
    // The revision 1 runs, completed, are being removed (their logs collected a last time) meanwhile.
    await until(() => engine.instances().length === 2, "the revision 1 runs removed");
    expect(engine.instances().map((i) => [i.revision, i.phase])).toEqual([[2, "Stopped"], [2, "Stopped"]]);
  });

  it("with minReadySeconds, an old instance goes only after its replacement has been ready that long", async () => {
    const { store, driver, engine, clock } = await harness([service({ replicas: 1 })]);
    store.now = () => clock.now();
    await until(() => engine.instances().filter((i) => i.ready).length === 1, "ready");
    const old = driver.running()[0]!;
    store.put(v2({ replicas: 1, strategy: { ...defaultStrategy, minReadySeconds: 5 } }));
    engine.enqueue("svc-1");
    await until(() => engine.instances().filter((i) => i.revision === 2 && i.ready).length === 1, "the new instance ready");
    await clock.advance(4_900);
    await engine.settled();
    expect(old.alive).toBe(true);
    await clock.advance(200);
    await until(() => !old.alive, "the old instance stopped");
    await until(() => store.rolloutLog.includes("succeeded"), "rollout succeeded");
  });
});
