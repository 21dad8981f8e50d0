import { describe, expect, it } from "vitest";
import { Faults } from "./faults";

describe("injected faults in the data plane", () => {
  const error = (percent: number) => ({ kind: "error" as const, status: 503, percent });

  it("hits exactly the asked share of requests, spread out, on its listener only", () => {
    for (const percent of [1, 10, 33, 50, 99, 100]) {
      const faults = new Faults();
      faults.apply([{ id: "f", listener: "edge:e", fault: error(percent), until: Date.now() + 60_000 }]);
      const hits = Array.from({ length: 1000 }, () => faults.pick("edge:e") !== undefined);
      expect(hits.filter(Boolean).length).toBe(Math.floor(10 * percent));
      // Spread: no run of 100 requests is off by more than one from the share.
      for (let start = 0; start + 100 <= 1000; start += 50) expect(Math.abs(hits.slice(start, start + 100).filter(Boolean).length - percent)).toBeLessThanOrEqual(1);
      expect(faults.pick("service:other")).toBeUndefined();
    }
  });

  it("ends by itself at its time, whoever is there to say so, and keeps counting across configurations", () => {
    const faults = new Faults();
    const config = { id: "f", listener: "service:s", fault: error(50), until: Date.now() + 60_000 };
    faults.apply([config]);
    expect([faults.pick("service:s"), faults.pick("service:s")].filter(Boolean)).toHaveLength(1);
    faults.apply([config]); // the same fault sent again: the share goes on where it was
    expect([faults.pick("service:s"), faults.pick("service:s")].filter(Boolean)).toHaveLength(1);
    faults.apply([{ ...config, until: Date.now() - 1 }]);
    expect(Array.from({ length: 10 }, () => faults.pick("service:s")).filter(Boolean)).toEqual([]);
    faults.apply(undefined); // a Gantry that sends none
    expect(faults.pick("service:s")).toBeUndefined();
  });
});
