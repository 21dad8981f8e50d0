import { describe, expect, it } from "vitest";
import { instanceTemplate } from "../../contracts/service";
import type { InstancesDelta } from "../../contracts/realtime";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { tempDir } from "../../testing/gantry";
import { FakeDriver } from "../drivers/fake-driver";
import { LogPump } from "../logs/log-pump";
import { MemoryStore } from "../testing/memory-store";
import { StateWriter } from "./state-writer";
import { Supervisor } from "./supervisor";
import { DriverSet } from "../drivers";

describe("Supervisor", () => {
  it("keeps telling its listeners, and running the instance, when one of its listeners throws", async () => {
    const clock = new ManualClock();
    const logs = new LogPump({ root: tempDir("supervisor"), clock, log: silentLogger, event: () => {} });
    const writer = new StateWriter(new MemoryStore(), clock, silentLogger);
    const supervisor = new Supervisor({ drivers: new DriverSet({ log: silentLogger, dataDir: "/nonexistent" }, { process: new FakeDriver() }), clock, log: silentLogger, writer, logs, hooks: [logs.hook], baseDir: "/" });
    const broken = () => {
      throw new Error("a broken listener");
    };
    const states: string[] = [];
    const deltas: InstancesDelta[] = [];
    supervisor.onStateChange(broken);
    supervisor.onStateChange((serviceId) => states.push(serviceId));
    supervisor.subscribe(broken);
    supervisor.subscribe((delta) => deltas.push(delta));

    const template = instanceTemplate.parse({ command: "server", listens: false });
    const runner = supervisor.launch({ id: "svc-1", name: "api", revision: 1, template });
    for (let i = 0; i < 100 && runner.phase !== "Running"; i++) await new Promise((r) => setTimeout(r, 5));
    expect(runner.phase).toBe("Running");
    expect(states.length).toBeGreaterThan(0);
    expect(deltas.some((d) => d.kind === "instance.upserted" && d.instance.phase === "Running")).toBe(true);
  });
});
