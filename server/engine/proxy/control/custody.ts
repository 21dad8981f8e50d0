import type { Clock, Timer } from "../../../lib/clock";

/**
 * Whether some Gantry holds the data plane. It keeps serving when its Gantry dies (instances
 * outlive Gantry too, and the next Gantry takes both over), but not forever: with no Gantry
 * for `orphanMs`, nobody is coming back for it, and it should not hold its ports indefinitely.
 *
 * Invariant: the timer runs exactly while no controller is attached. It starts at once: the
 * Gantry that started the data plane attaches within moments.
 */
export class Custody {
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly orphanMs: number,
    private readonly abandoned: () => void,
  ) {
    this.released();
  }

  /** A Gantry attached. */
  held(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Its Gantry went away (stopped or died): the full wait starts over. */
  released(): void {
    this.held();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.abandoned();
    }, this.orphanMs);
  }
}
