import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { ManualClock, settle } from "../../lib/manual-clock";
import { WorkQueue } from "./work-queue";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("WorkQueue", () => {
  it("handles a key once however often it was added while waiting", async () => {
    const handled: string[] = [];
    const gate = deferred();
    const queue = new WorkQueue<string>(
      async (key) => {
        handled.push(key);
        if (key === "block") await gate.promise;
      },
      { name: "t", clock: new ManualClock(), log: silentLogger, concurrency: 1 },
    );
    queue.add("block");
    queue.add("a");
    queue.add("a");
    queue.add("b");
    queue.add("a");
    gate.resolve();
    await queue.idle();
    expect(handled).toEqual(["block", "a", "b"]);
  });

  it("never runs one key twice at once, and re-runs it if it was added while running", async () => {
    const gate = deferred();
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const queue = new WorkQueue<string>(
      async () => {
        runs++;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        if (runs === 1) await gate.promise;
        concurrent--;
      },
      { name: "t", clock: new ManualClock(), log: silentLogger, concurrency: 4 },
    );
    queue.add("svc");
    await settle();
    queue.add("svc");
    queue.add("svc");
    gate.resolve();
    await queue.idle();
    await queue.idle();
    expect(runs).toBe(2);
    expect(maxConcurrent).toBe(1);
  });

  it("retries a failing key with growing delays while other keys go on", async () => {
    const clock = new ManualClock();
    const attempts: Array<[string, number]> = [];
    let failuresLeft = 3;
    const queue = new WorkQueue<string>(
      async (key) => {
        attempts.push([key, clock.now()]);
        if (key === "bad" && failuresLeft-- > 0) throw new Error("boom");
      },
      { name: "t", clock, log: silentLogger, retry: { initialMs: 100, maxMs: 1000 } },
    );
    const t0 = clock.now();
    queue.add("bad");
    queue.add("good");
    await queue.idle();
    expect(queue.failureCount("bad")).toBe(1);
    await clock.advance(2000);
    expect(attempts.filter(([k]) => k === "bad").map(([, at]) => at - t0)).toEqual([0, 100, 300, 700]);
    expect(attempts.filter(([k]) => k === "good")).toHaveLength(1);
    expect(queue.failureCount("bad")).toBe(0);
  });

  it("takes no work after shutDown and waits for running handlers", async () => {
    const gate = deferred();
    let finished = false;
    const queue = new WorkQueue<string>(
      async () => {
        await gate.promise;
        finished = true;
      },
      { name: "t", clock: new ManualClock(), log: silentLogger },
    );
    queue.add("a");
    await settle();
    const down = queue.shutDown();
    queue.add("b");
    gate.resolve();
    await down;
    expect(finished).toBe(true);
  });
});
