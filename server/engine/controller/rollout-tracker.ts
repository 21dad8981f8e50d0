import type { Clock, Timer } from "../../lib/clock";
import type { EngineStore } from "../engine-store";
import type { ActualInstance } from "../reconciler/reconcile";
import { describeStall, judgeRollout, measureRollout, nextAvailableAt } from "../reconciler/rollout-progress";
import type { DesiredService } from "../types";

/**
 * Watches each service's rollout after every sync: records progress, success, or a stall past
 * the progress deadline. A wakeup (the deadline, or a new instance's minReadySeconds coming due)
 * is a timer that asks for another sync.
 */
export class RolloutTracker {
  private readonly wakeups = new Map<string, Timer>();
  private readonly since: number;

  constructor(
    private readonly store: EngineStore,
    private readonly clock: Clock,
    private readonly resync: (serviceId: string) => void,
  ) {
    // Time Gantry was not running doesn't count against a rollout.
    this.since = clock.now();
  }

  async track(serviceId: string, desired: DesiredService | undefined, actual: ActualInstance[]): Promise<void> {
    this.clearWakeup(serviceId);
    const rollout = desired?.rollout;
    if (!desired || desired.deleting || rollout?.status !== "progressing") return;
    const now = this.clock.now();
    const measure = measureRollout(desired, actual, now);
    const verdict = judgeRollout(rollout, measure, now, desired.strategy.progressDeadlineSeconds * 1000, this.since);
    switch (verdict.kind) {
      case "succeeded":
        return this.store.rolloutSucceeded(rollout.id, measure);
      case "progressed":
        await this.store.rolloutProgressed(rollout.id, measure);
        return this.resync(serviceId); // the deadline now counts from here
      case "stalled":
        await this.store.rolloutStalled(rollout.id, describeStall(desired, actual, measure));
        return this.resync(serviceId); // it may have rolled back
      case "waiting": {
        // Wake for the deadline, or sooner when a new instance has been ready for minReadySeconds.
        const wake = Math.min(verdict.until, nextAvailableAt(desired, actual, now) ?? Number.POSITIVE_INFINITY);
        this.wakeups.set(serviceId, this.clock.setTimeout(() => this.resync(serviceId), wake - now));
      }
    }
  }

  stop(): void {
    for (const id of [...this.wakeups.keys()]) this.clearWakeup(id);
  }

  private clearWakeup(serviceId: string): void {
    const timer = this.wakeups.get(serviceId);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.wakeups.delete(serviceId);
  }
}
