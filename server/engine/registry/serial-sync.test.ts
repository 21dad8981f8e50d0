import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { SerialSync } from "./serial-sync";

describe("a mirror's serial sync", () => {
  it("runs once more when asked while running, never two at once", async () => {
    let running = 0;
    let runs = 0;
    let release!: () => void;
    const sync = new SerialSync({
      clock: new ManualClock(),
      log: silentLogger,
      what: "test mirror",
      apply: async () => {
        expect(++running).toBe(1);
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
        running--;
      },
      succeeded: () => {},
      failed: () => {},
    });
    const first = sync.request();
    expect(sync.busy).toBe(true);
    void sync.request();
    void sync.request(); // both fold into one more run
    release();
    await first;
    expect(runs).toBe(2);
    expect(sync.busy).toBe(false);
  });

  it("retries a failed run with growing backoff, says when it recovered, and stops retrying when stopped", async () => {
    const clock = new ManualClock();
    const outcomes: string[] = [];
    let failing = 2;
    const sync = new SerialSync({
      clock,
      log: silentLogger,
      what: "test mirror",
      apply: async () => {
        if (failing-- > 0) throw new Error("unreachable");
      },
      succeeded: (recovered) => outcomes.push(recovered ? "recovered" : "ok"),
      failed: () => outcomes.push("failed"),
    });
    await sync.request();
    expect(outcomes).toEqual(["failed"]);
    await clock.advance(499);
    expect(outcomes).toEqual(["failed"]);
    await clock.advance(1); // 0.5 s
    expect(outcomes).toEqual(["failed", "failed"]);
    await clock.advance(1000); // then 1 s
    expect(outcomes).toEqual(["failed", "failed", "recovered"]);

    failing = 1;
    await sync.request();
    sync.stop();
    await clock.advance(60_000);
    expect(outcomes).toEqual(["failed", "failed", "recovered", "failed"]);
  });
});
