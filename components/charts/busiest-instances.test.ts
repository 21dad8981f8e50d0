import { describe, expect, it } from "vitest";
import { busiestInstances } from "./busiest-instances";

const ids = Array.from({ length: 10 }, (_, i) => `web-${i}`);
/** Each instance at a steady CPU of its number, for a minute from 0. */
const steady = () => Object.fromEntries(ids.map((id, i) => [`instance:${id}`, Array.from({ length: 60 }, (_, s) => ({ at: s * 1000, cpuPercent: i }))]));

describe("which instances get a line", () => {
  it("draws every instance when they fit", () => {
    expect(busiestInstances(steady(), ids.slice(0, 3), "cpuPercent", 0, 8)).toEqual(["web-0", "web-1", "web-2"]);
  });

  it("draws the busiest when there are more than colours, keeping their usual order", () => {
    expect(busiestInstances(steady(), ids, "cpuPercent", 0, 3)).toEqual(["web-7", "web-8", "web-9"]);
  });

  it("brings in an instance that spiked within the window, even for a second", () => {
    const series = steady();
    series["instance:web-2"]![30]!.cpuPercent = 95;
    expect(busiestInstances(series, ids, "cpuPercent", 0, 3)).toEqual(["web-2", "web-8", "web-9"]);
    expect(busiestInstances(series, ids, "cpuPercent", 31_000, 3)).toEqual(["web-7", "web-8", "web-9"]);
  });
});
