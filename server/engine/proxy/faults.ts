import type { Fault } from "../../contracts/chaos";

/** A fault on one listener's traffic until `until` (ms since the epoch: timed here, so it ends even if Gantry is gone). */
export type FaultConfig = { id: string; listener: string; fault: Fault; until: number };

/**
 * Faults in force, by listener key. Which requests get one is every-Nth rather than random: over
 * any run of requests the share is the configured percent to within one request, so what an
 * operator sees (and a test asserts) is the number asked for.
 */
export class Faults {
  private byListener = new Map<string, { config: FaultConfig; seen: number }>();

  apply(configs: readonly FaultConfig[] = []): void {
    const next = new Map<string, { config: FaultConfig; seen: number }>();
    for (const config of configs) {
      const existing = this.byListener.get(config.listener);
      next.set(config.listener, { config, seen: existing?.config.id === config.id ? existing.seen : 0 });
    }
    this.byListener = next;
  }

  /** The fault this request gets, if any (counting it towards the share). */
  pick(listener: string): Fault | undefined {
    const entry = this.byListener.get(listener);
    if (!entry) return undefined;
    if (Date.now() >= entry.config.until) {
      this.byListener.delete(listener);
      return undefined;
    }
    const n = entry.seen++;
    const { percent } = entry.config.fault;
    return Math.floor(((n + 1) * percent) / 100) > Math.floor((n * percent) / 100) ? entry.config.fault : undefined;
  }
}
