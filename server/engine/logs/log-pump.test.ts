import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { tempDir } from "../../testing/gantry";
import type { InstanceRunner } from "../supervisor/instance-runner";
import type { EngineEvent } from "../types";
import { LogPump } from "./log-pump";

const instance = { id: "api-1", serviceId: "svc-1", serviceName: "api" } as InstanceRunner;

describe("LogPump", () => {
  it("hands new lines to every listener even when one throws, and says what it dropped in an event", async () => {
    const root = tempDir("pump");
    const events: EngineEvent[] = [];
    const pump = new LogPump({ root, clock: new ManualClock(), log: silentLogger, event: (e) => events.push(e), budget: { maxBytes: 100, keep: 1 } });
    const heard: string[] = [];
    pump.onLines(() => {
      throw new Error("a broken listener");
    });
    pump.onLines((id, lines) => heard.push(...lines.map((l) => `${id} ${l.text}`)));
    await pump.hook.prepare!(instance);
    fs.appendFileSync(path.join(root, "api-1", "stdout"), "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
    await pump.hook.cleanup!(instance);

    // 2 files of 100 bytes hold 4 stamped lines (33 to 35 bytes each); the rest is dropped and said so.
    expect(heard.slice(0, 4)).toEqual(["api-1 one", "api-1 two", "api-1 three", "api-1 four"]);
    expect(heard[4]).toMatch(/^api-1 gantry: dropped 3 lines \(15 bytes\) of stdout/);
    expect(events).toEqual([
      expect.objectContaining({ kind: "instance.logs-dropped", serviceId: "svc-1", instanceId: "api-1", data: { stream: "stdout", lines: 3, bytes: 15 } }),
    ]);
    expect(events[0]!.message).toMatch(/^api-1 dropped 3 lines \(15 bytes\) of stdout/);
  });
});
