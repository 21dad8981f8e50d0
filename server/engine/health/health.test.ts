import { afterEach, describe, expect, it } from "vitest";
import type { ProbeInput } from "../../contracts/probe";
import { defaultStrategy } from "../../contracts/rollout";
import { instanceTemplate, type InstanceTemplateInput } from "../../contracts/service";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { tempDir, testPortRange } from "../../testing/gantry";
import { FakeDriver } from "../drivers/fake-driver";
import { createEngine, type Engine } from "../index";
import { RecordingDataPlane } from "../proxy/testing/recording-data-plane";
import { MemoryStore } from "../testing/memory-store";
import type { ProbeOutcome } from "./probes";

/** Probes told apart by path; each answers from its script, repeating the last answer. */
function scriptedProbes(scripts: Record<string, boolean[]>) {
  const calls: Record<string, number> = {};
  const run = async (probe: { kind: string; path?: string }): Promise<ProbeOutcome> => {
    const key = probe.path ?? probe.kind;
    const n = (calls[key] = (calls[key] ?? 0) + 1);
    const script = scripts[key] ?? [true];
    const ok = script[Math.min(n, script.length) - 1]!;
    return { ok, message: ok ? "HTTP 200" : `HTTP 503: ${key} says no` };
  };
  return { run, calls };
}

const http = (path: string, extra: Partial<ProbeInput> = {}): ProbeInput => ({ kind: "http", path, periodSeconds: 1, ...extra }) as ProbeInput;

const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
});

async function start(template: Partial<InstanceTemplateInput>, scripts: Record<string, boolean[]>) {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const driver = new FakeDriver();
  const probes = scriptedProbes(scripts);
  store.put({ id: "s", name: "web", replicas: 1, revision: 1, deleting: false, template: instanceTemplate.parse({ command: "web", ...template }), strategy: defaultStrategy, rollout: null });
  const engine = createEngine({ store, drivers: { process: driver }, clock, log: silentLogger, dataDir: tempDir("health"), baseDir: "/", portRange: testPortRange(), host: "127.0.0.1", ingressPort: 0, dataPlane: new RecordingDataPlane(), probeRunner: probes.run });
  engines.push(engine);
  await engine.start();
  for (let i = 0; i < 200 && engine.instances()[0]?.phase !== "Running"; i++) await new Promise((r) => setTimeout(r, 2));
  const instance = () => engine.instances()[0]!;
  /** Advances in 1 s steps, recording readiness after each. */
  const readiness = async (seconds: number) => {
    const seen: boolean[] = [];
    for (let s = 0; s < seconds; s++) {
      await clock.advance(1000);
      seen.push(instance().ready);
    }
    return seen;
  };
  return { clock, store, driver, engine, probes, instance, readiness };
}

describe("probes with Kubernetes semantics (fake clock)", () => {
  it("turns ready after successThreshold passes and unready after failureThreshold failures", async () => {
    const { readiness, store, engine } = await start(
      { probes: { readiness: http("/ready", { successThreshold: 2, failureThreshold: 3 }) } },
      { "/ready": [false, true, true, false, false, true, false, false, false, true, true] },
    );
    expect(await readiness(11)).toEqual([false, false, true, true, true, true, true, true, false, false, true]);
    expect(engine.endpoints("s")).toHaveLength(1);
    expect(store.events.filter((e) => e.kind === "instance.ready" || e.kind === "instance.unready").map((e) => e.kind)).toEqual([
      "instance.ready",
      "instance.unready",
      "instance.ready",
    ]);
  });

  it("waits initialDelaySeconds before the first probe", async () => {
    const { clock, probes } = await start({ probes: { readiness: http("/ready", { initialDelaySeconds: 5 }) } }, {});
    await clock.advance(4900);
    expect(probes.calls["/ready"]).toBeUndefined();
    await clock.advance(300);
    expect(probes.calls["/ready"]).toBe(1);
  });

  it("holds readiness and liveness back until the startup probe passes", async () => {
    const { readiness, probes } = await start(
      { probes: { startup: http("/startup", { failureThreshold: 10 }), readiness: http("/ready"), liveness: http("/live") } },
      { "/startup": [false, false, false, true] },
    );
    const seen = await readiness(3);
    expect(seen).toEqual([false, false, false]);
    expect(probes.calls["/ready"]).toBeUndefined();
    expect(probes.calls["/live"]).toBeUndefined();
    expect(await readiness(3)).toContain(true);
    expect(probes.calls["/startup"]).toBe(4);
    expect(probes.calls["/live"]).toBeGreaterThan(0);
  });

  it("restarts the instance when liveness fails failureThreshold times, with the probe output in the event", async () => {
    const { clock, instance, driver, store } = await start(
      { probes: { liveness: http("/live", { failureThreshold: 3 }) }, listens: false },
      { "/live": [true, false, false, false, true] },
    );
    const first = driver.running()[0]!;
    await clock.advance(3000);
    expect(first.alive).toBe(true);
    await clock.advance(1000);
    expect(first.signals).toEqual(["SIGTERM"]);
    expect(instance()).toMatchObject({ phase: "CrashLoop", reason: "Unhealthy", restarts: 1 });
    expect(store.events.map((e) => e.message)).toContainEqual(expect.stringContaining("liveness probe failed: HTTP 503: /live says no"));
    await clock.advance(1000);
    expect(driver.running()).toHaveLength(1);
    expect(driver.running()[0]).not.toBe(first);
  });

  it("restarts an instance whose startup probe never passes", async () => {
    const { clock, instance } = await start({ probes: { startup: http("/startup", { failureThreshold: 2 }) } }, { "/startup": [false] });
    await clock.advance(2000);
    expect(instance()).toMatchObject({ reason: "StartupFailed", phase: "CrashLoop" });
  });

  it("without a readiness probe: ready at once if it doesn't listen, or once PORT accepts connections", async () => {
    const quiet = await start({ listens: false }, {});
    expect(quiet.instance().ready).toBe(true);
    // The port is tried from the spawn on (no jitter), 1 ms apart at first: refused at 0 and 1 ms, accepted at 2 ms.
    const listening = await start({}, { tcp: [false, false, true] });
    await listening.clock.advance(1.5);
    expect(listening.instance().ready).toBe(false);
    await listening.clock.advance(1);
    expect(listening.instance().ready).toBe(true);
    expect(listening.instance().probes).toEqual([]); // the implicit check stops once it passed
  });

  it("tries a starting program's port ever less often: 1/32 of the time since the spawn apart, at most 20 ms", async () => {
    const { clock, probes } = await start({}, { tcp: [false] });
    await clock.advance(640);
    const early = probes.calls.tcp!;
    expect(early).toBeGreaterThan(100); // a port opening within these 640 ms is noticed within 1/32 of its time
    expect(early).toBeLessThan(140); // yet tried about 32 + 32·ln(640 / 32) ≈ 128 times, not 640
    await clock.advance(1000);
    expect(probes.calls.tcp! - early).toBe(50); // from then on every 20 ms
  });

  it("shows each running probe's verdict and last result on the instance", async () => {
    const { clock, instance } = await start({ probes: { readiness: http("/ready"), liveness: http("/live") }, listens: false }, {});
    await clock.advance(1000);
    expect(instance().probes).toEqual(
      expect.arrayContaining([
        { type: "readiness", kind: "http", state: "passing", last: expect.objectContaining({ ok: true, message: "HTTP 200" }) },
        { type: "liveness", kind: "http", state: "passing", last: expect.objectContaining({ ok: true }) },
      ]),
    );
  });
});
