import { describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/manual-clock";
import { RestartTracker } from "./restart-tracker";

const crash = { code: 1, signal: null };
const clean = { code: 0, signal: null };

describe("RestartTracker", () => {
  it("backs off 1 s, 2 s, 4 s … up to 5 minutes for a crash-looping instance", async () => {
    const clock = new ManualClock();
    const tracker = new RestartTracker("always", clock);
    const delays: number[] = [];
    for (let n = 0; n < 12; n++) {
      tracker.started();
      await clock.advance(100);
      const decision = tracker.exited(crash);
      expect(decision).toMatchObject({ restart: true, phase: "CrashLoop", reason: "Error" });
      if (decision.restart) delays.push(decision.delayMs);
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((s) => s * 1000));
  });

  it("forgives earlier crashes after 10 minutes of stable running", async () => {
    const clock = new ManualClock();
    const tracker = new RestartTracker("always", clock);
    for (let n = 0; n < 4; n++) (tracker.started(), tracker.exited(crash));
    tracker.started();
    await clock.advance(9 * 60_000);
    expect(tracker.exited(crash)).toMatchObject({ delayMs: 16_000 });
    tracker.started();
    await clock.advance(10 * 60_000);
    expect(tracker.exited(crash)).toMatchObject({ delayMs: 1000 });
  });

  it.each([
    ["always", clean, { restart: true, phase: "CrashLoop", reason: "Completed" }],
    ["always", crash, { restart: true, phase: "CrashLoop", reason: "Error" }],
    ["on-failure", clean, { restart: false, phase: "Stopped", reason: "Completed" }],
    ["on-failure", crash, { restart: true, phase: "CrashLoop", reason: "Error" }],
    ["on-failure", { code: null, signal: "SIGKILL" }, { restart: true, phase: "CrashLoop", reason: "Error" }],
    ["never", clean, { restart: false, phase: "Stopped", reason: "Completed" }],
    ["never", crash, { restart: false, phase: "Failed", reason: "Error" }],
  ] as const)("policy %s, exit %o → %o", (policy, status, decision) => {
    const tracker = new RestartTracker(policy, new ManualClock());
    tracker.started();
    expect(tracker.exited(status)).toMatchObject(decision);
  });

  it("treats a kill for exceeding the memory limit as a failure with its own reason", () => {
    const tracker = new RestartTracker("on-failure", new ManualClock());
    tracker.started();
    expect(tracker.exited({ code: null, signal: "SIGKILL" }, "OOMKilled")).toMatchObject({ restart: true, reason: "OOMKilled" });
  });

  it("retries a process that cannot be spawned with backoff, unless the policy is never", () => {
    const tracker = new RestartTracker("always", new ManualClock());
    expect(tracker.spawnFailed()).toEqual({ restart: true, delayMs: 1000, phase: "Failed", reason: "SpawnError" });
    expect(tracker.spawnFailed()).toMatchObject({ delayMs: 2000 });
    expect(new RestartTracker("never", new ManualClock()).spawnFailed()).toEqual({ restart: false, phase: "Failed", reason: "SpawnError" });
  });
});
