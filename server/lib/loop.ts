import type { Clock, Timer } from "./clock";
import type { Logger } from "./logger";

export type Loop = { stop(): void };

/** Just past the boundary, so a timer firing a hair early in wall-clock terms is still inside it. */
const ALIGN_SLACK_MS = 5;

/**
 * Runs `tick` every `ms` without overlap (the next run is scheduled after the previous one ends).
 * A failing tick is logged with the loop's name and the loop goes on. `aligned` runs it on the
 * clock's multiples of `ms` instead, so a slow tick doesn't make the period drift.
 */
export function every(clock: Clock, ms: number, name: string, log: Logger, tick: () => Promise<void> | void, { aligned = false } = {}): Loop {
  const delay = () => (aligned ? ms - (clock.now() % ms) + ALIGN_SLACK_MS : ms);
  let timer: Timer | undefined;
  let stopped = false;
  const run = async () => {
    try {
      await tick();
    } catch (err) {
      log.error({ err, loop: name }, "loop iteration failed; continuing");
    }
    if (!stopped) timer = clock.setTimeout(run, delay());
  };
  timer = clock.setTimeout(run, delay());
  return {
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}
