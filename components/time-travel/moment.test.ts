import { describe, expect, it } from "vitest";
import { fromLocalInput, stepMoment, toLocalInput } from "./moment";

describe("moments on the scrubber", () => {
  it("round-trips a moment through a datetime-local value, to the second", () => {
    const at = new Date(2026, 11, 2, 9, 5, 7).getTime();
    expect(toLocalInput(at)).toBe("2026-12-02T09:05:07");
    expect(fromLocalInput(toLocalInput(at))).toBe(at);
    expect(fromLocalInput("not a time")).toBeUndefined();
  });

  it("steps a minute, or ten seconds, and stops at the ends of the window", () => {
    const bounds = { from: 0, to: 600_000 };
    expect(stepMoment(300_000, -1, false, bounds)).toBe(240_000);
    expect(stepMoment(300_000, 1, true, bounds)).toBe(310_000);
    expect(stepMoment(590_000, 1, false, bounds)).toBe(600_000);
    expect(stepMoment(30_000, -1, false, bounds)).toBe(0);
  });
});
