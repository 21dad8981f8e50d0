import type { InstancePhase } from "../../contracts/instance";
import type { RestartPolicy } from "../../contracts/service";
import { exponentialBackoff, type BackoffOptions } from "../../lib/backoff";
import type { Clock } from "../../lib/clock";
import type { ExitStatus } from "../types";

export type RestartTrackerOptions = BackoffOptions & {
  /** Running this long without exiting forgives earlier crashes: the next backoff starts over. */
  resetAfterMs: number;
};

export const defaultRestartOptions: RestartTrackerOptions = { initialMs: 1000, maxMs: 5 * 60_000, resetAfterMs: 10 * 60_000 };

export type RestartDecision =
  | { restart: true; delayMs: number; phase: "CrashLoop" | "Failed"; reason: string }
  | { restart: false; phase: Extract<InstancePhase, "Stopped" | "Failed">; reason: string };

/**
 * Decides, after an instance's process ended on its own, whether and when it starts again
 * (as Nomad's restart tracker does). Backoff doubles from 1 s to a 5 min cap and resets once
 * the process has stayed up for 10 minutes.
 */
export class RestartTracker {
  private attempts = 0;
  private startedAt: number | undefined;

  constructor(
    private readonly policy: RestartPolicy,
    private readonly clock: Clock,
    private readonly options: RestartTrackerOptions = defaultRestartOptions,
  ) {}

  /** The process is up. */
  started(): void {
    this.startedAt = this.clock.now();
  }

  /** The process exited without being asked to. `reason` overrides the derived one (e.g. OOMKilled). */
  exited(status: ExitStatus, reason?: string): RestartDecision {
    const succeeded = status.code === 0 && status.signal === null && !reason;
    const why = reason ?? (succeeded ? "Completed" : "Error");
    if (this.startedAt !== undefined && this.clock.now() - this.startedAt >= this.options.resetAfterMs) this.attempts = 0;
    this.startedAt = undefined;
    const restart = this.policy === "always" || (this.policy === "on-failure" && !succeeded);
    if (!restart) return { restart: false, phase: succeeded ? "Stopped" : "Failed", reason: why };
    return { restart: true, delayMs: this.nextDelay(), phase: "CrashLoop", reason: why };
  }

  /** The process could not be started at all (missing executable, permission denied…). */
  spawnFailed(): RestartDecision {
    if (this.policy === "never") return { restart: false, phase: "Failed", reason: "SpawnError" };
    return { restart: true, delayMs: this.nextDelay(), phase: "Failed", reason: "SpawnError" };
  }

  private nextDelay(): number {
    return exponentialBackoff(this.attempts++, this.options);
  }
}
