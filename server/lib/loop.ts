import type { Clock, Timer } from "./clock";
import type { Logger } from "./logger";

export type Loop = { stop(): void };

/**
 * Runs `tick` every `ms` without overlap (the next run is scheduled after the previous one ends).
 * A failing tick is logged with the loop's name and the loop goes on.
 */
export function every(clock: Clock, ms: number, name: string, log: Logger, tick: () => Promise<void> | void): Loop {
  let timer: Timer | undefined;
  let stopped = false;
  const run = async () => {
    try {
      await tick();
    } catch (err) {
      log.error({ err, loop: name }, "loop iteration failed; continuing");
    }
    if (!stopped) timer = clock.setTimeout(run, ms);
  };
  timer = clock.setTimeout(run, ms);
  return {
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}
