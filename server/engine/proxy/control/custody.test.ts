import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../lib/manual-clock";
import { Custody } from "./custody";

const TEN_MINUTES = 600_000;

function custody() {
  const clock = new ManualClock();
  let abandoned = 0;
  const held = new Custody(clock, TEN_MINUTES, () => abandoned++);
  return { clock, held, abandoned: () => abandoned };
}

describe("Custody (how long a data plane serves without a Gantry)", () => {
  it("retires a data plane no Gantry ever attached to, after the orphan time", async () => {
    const { clock, abandoned } = custody();
    await clock.advance(TEN_MINUTES - 1);
    expect(abandoned()).toBe(0);
    await clock.advance(1);
    expect(abandoned()).toBe(1);
  });

  it("never retires while a Gantry holds it", async () => {
    const { clock, held, abandoned } = custody();
    held.held();
    await clock.advance(10 * TEN_MINUTES);
    expect(abandoned()).toBe(0);
  });

  it("gives the next Gantry the full orphan time from when the last one went away", async () => {
    const { clock, held, abandoned } = custody();
    held.held();
    await clock.advance(TEN_MINUTES * 3);
    held.released(); // Gantry killed
    await clock.advance(TEN_MINUTES / 2);
    held.held(); // the restarted Gantry took it over
    held.released(); // and was killed too
    await clock.advance(TEN_MINUTES - 1);
    expect(abandoned()).toBe(0);
    await clock.advance(1);
    expect(abandoned()).toBe(1);
  });
});
