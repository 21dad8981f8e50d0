import { describe, expect, it } from "vitest";
import { defaultStrategy } from "../../contracts/rollout";
import { instanceTemplate } from "../../contracts/service";
import { silentLogger } from "../../lib/logger";
import { ManualClock, settle } from "../../lib/manual-clock";
import { MemoryStore } from "../testing/memory-store";
import type { InstanceRecord } from "../types";
import { StateWriter } from "./state-writer";

const record = (phase: InstanceRecord["phase"]): InstanceRecord => ({
  id: "web-1",
  serviceId: "web",
  revision: 1,
  phase,
  ready: false,
  runtime: null,
  port: 20001,
  restarts: 0,
  exitCode: null,
  signal: null,
  reason: null,
  message: null,
  startedAt: null,
});

function harness() {
  const store = new MemoryStore();
  store.put({ id: "web", name: "web", replicas: 1, revision: 1, template: instanceTemplate.parse({ command: "web" }), deleting: false, strategy: defaultStrategy, rollout: null });
  const clock = new ManualClock();
  const state = { starting: true };
  const writer = new StateWriter(store, clock, silentLogger);
  writer.deferWhile(() => state.starting);
  return { store, clock, state, writer };
}

describe("state writer", () => {
  it("holds writes while an instance is on its way to serving, and writes them all once it serves", async () => {
    const { store, clock, state, writer } = harness();
    writer.save(record("Starting"));
    writer.event({ kind: "instance.starting", message: "starting web-1" });
    await clock.advance(999);
    expect(store.records.size).toBe(0);
    state.starting = false;
    writer.save({ ...record("Running"), ready: true });
    await settle();
    expect(store.records.get("web-1")).toMatchObject({ phase: "Running", ready: true });
    expect(store.events.map((e) => e.kind)).toEqual(["instance.starting"]);
  });

  it("holds them 1 s at most, and not at all when asked to drain", async () => {
    const { store, clock, writer } = harness();
    writer.save(record("Starting"));
    await clock.advance(1000);
    expect(store.records.get("web-1")?.phase).toBe("Starting");
    writer.save(record("Running"));
    await writer.drained();
    expect(store.records.get("web-1")?.phase).toBe("Running");
  });

  it("writes a new process at once, holding or not: a Gantry killed next must know the process is its own", async () => {
    const { store, clock, writer } = harness();
    writer.save(record("Starting"));
    await clock.advance(100);
    expect(store.records.size).toBe(0);
    const running = { ...record("Running"), runtime: { kind: "process" as const, pid: 4242, startTime: "77" } };
    writer.save(running);
    await settle();
    expect(store.records.get("web-1")?.runtime).toEqual({ kind: "process", pid: 4242, startTime: "77" });

    // The same process again (its readiness, its usage) waits as before.
    writer.save({ ...running, message: "still starting" });
    await clock.advance(999);
    expect(store.records.get("web-1")?.message).toBeNull();
    await clock.advance(1);
    expect(store.records.get("web-1")?.message).toBe("still starting");
  });
});
