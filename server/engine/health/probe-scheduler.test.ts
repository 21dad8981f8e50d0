import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { ProbeScheduler, type Scheduled } from "./probe-scheduler";

function work(periodMs: number, clock: ManualClock, durationMs = 0) {
  const runs: number[] = [];
  const item: Scheduled & { runs: number[]; busy: boolean; stopped: boolean } = {
    periodMs,
    busy: false,
    stopped: false,
    runs,
    run() {
      runs.push(clock.now());
      if (durationMs > 0) {
        item.busy = true;
        clock.setTimeout(() => (item.busy = false), durationMs);
      }
    },
  };
  return item;
}

describe("ProbeScheduler", () => {
  it("keeps a fixed cadence from the first run, on a single timer for all work", async () => {
    const clock = new ManualClock(0);
    const scheduler = new ProbeScheduler(clock, silentLogger);
    const items = Array.from({ length: 50 }, (_, i) => work(1000, clock));
    items.forEach((item, i) => scheduler.add(item, 10 * i));
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(3000);
    expect(items[0]!.runs).toEqual([0, 1000, 2000, 3000]);
    expect(items[7]!.runs).toEqual([70, 1070, 2070]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it("never overlaps a run with itself: a turn that comes while it is still running is skipped", async () => {
    const clock = new ManualClock(0);
    const scheduler = new ProbeScheduler(clock, silentLogger);
    const slow = work(1000, clock, 1500);
    scheduler.add(slow, 0);
    await clock.advance(4500);
    expect(slow.runs).toEqual([0, 2000, 4000]);
  });

  it("skips turns missed while the event loop was blocked instead of running them in a burst", async () => {
    const clock = new ManualClock(0);
    const scheduler = new ProbeScheduler(clock, silentLogger);
    const item = work(1000, clock);
    scheduler.add(item, 0);
    await clock.advance(0);
    clock.jump(5500);
    await clock.advance(0);
    await clock.advance(600);
    expect(item.runs).toEqual([0, 5500, 6000]);
  });

  it("keeps running every work, the failing one included, when a run throws", async () => {
    const clock = new ManualClock(0);
    const scheduler = new ProbeScheduler(clock, silentLogger);
    const broken = work(1000, clock);
    const run = broken.run;
    broken.run = () => {
      run();
      throw new Error("a broken probe");
    };
    const healthy = work(1000, clock);
    scheduler.add(broken, 0);
    scheduler.add(healthy, 0);
    await clock.advance(2000);
    expect(broken.runs).toEqual([0, 1000, 2000]);
    expect(healthy.runs).toEqual([0, 1000, 2000]);
  });

  it("drops stopped work", async () => {
    const clock = new ManualClock(0);
    const scheduler = new ProbeScheduler(clock, silentLogger);
    const item = work(1000, clock);
    scheduler.add(item, 0);
    await clock.advance(1000);
    item.stopped = true;
    await clock.advance(3000);
    expect(item.runs).toEqual([0, 1000]);
    expect(scheduler.size()).toBe(0);
  });
});
