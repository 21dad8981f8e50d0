import { describe, expect, it } from "vitest";
import { silentLogger } from "./logger";
import { every } from "./loop";
import { ManualClock } from "./manual-clock";

describe("every", () => {
  it("waits for a slow tick, then the full period again (no overlap)", async () => {
    const clock = new ManualClock(1_000_000);
    const runs: number[] = [];
    const loop = every(clock, 1000, "test", silentLogger, async () => {
      runs.push(clock.now());
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 300));
    });
    await clock.advance(3000);
    loop.stop();
    expect(runs).toEqual([1_001_000, 1_002_300]);
  });

  it("aligned: runs just past each multiple of the period however long a tick takes", async () => {
    const clock = new ManualClock(1_000_420);
    const runs: number[] = [];
    const loop = every(clock, 1000, "test", silentLogger, async () => {
      runs.push(clock.now());
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 300));
    }, { aligned: true });
    await clock.advance(3000);
    loop.stop();
    expect(runs.map((at) => Math.floor(at / 1000) * 1000)).toEqual([1_001_000, 1_002_000, 1_003_000]);
    expect(runs.every((at) => at % 1000 < 10)).toBe(true);
  });

  it("keeps going after a failing tick", async () => {
    const clock = new ManualClock();
    let runs = 0;
    const loop = every(clock, 100, "test", silentLogger, () => {
      runs++;
      throw new Error("boom");
    });
    await clock.advance(350);
    loop.stop();
    expect(runs).toBe(3);
  });
});
