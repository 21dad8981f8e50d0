import type { CatalogCheck, CheckStatus } from "../../contracts/catalog";
import type { Probe } from "../../contracts/probe";
import { checkProbe, type CheckSpec } from "../../contracts/registration";
import type { Clock, Timer } from "../../lib/clock";
import type { ProbeOutcome, ProbeTarget } from "../health/probes";
import type { ProbeScheduler } from "../health/probe-scheduler";
import { ProbeWorker } from "../health/probe-worker";

export type ExternalCheckDeps = {
  clock: Clock;
  scheduler: ProbeScheduler;
  run(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome>;
  /** The check's status or output changed. */
  changed(): void;
};

/** What an HTTP or TCP check probes, in the health module's terms. */
function probeOf(spec: CheckSpec): { probe: Probe; target: ProbeTarget } {
  const { probe, host, port } = checkProbe(spec);
  return { probe, target: { host, port, cwd: "/", env: {} } };
}

/**
 * A check registered with an external endpoint: HTTP and TCP checks are probed on Gantry's
 * probe scheduler; a TTL check must be refreshed (pass/warn/fail) before its TTL runs out, or
 * it turns critical, as in Consul.
 */
export class ExternalCheck {
  status: CheckStatus;
  output = "";
  private worker: ProbeWorker | undefined;
  private ttlTimer: Timer | undefined;

  constructor(
    readonly spec: CheckSpec,
    private readonly deps: ExternalCheckDeps,
  ) {
    this.status = spec.initialStatus;
    if (spec.kind === "ttl") {
      this.output = "TTL check: waiting for its first update";
      this.armTtl();
      return;
    }
    const { probe, target } = probeOf(spec);
    this.worker = new ProbeWorker({
      type: "readiness",
      probe,
      target,
      clock: deps.clock,
      scheduler: deps.scheduler,
      run: deps.run,
      onVerdict: (worker) => this.set(worker.state === "passing" ? "passing" : "critical", worker.last?.message ?? ""),
    });
    this.worker.start();
  }

  view(): CatalogCheck {
    return { id: this.spec.id, name: this.spec.name, kind: this.spec.kind, status: this.status, output: this.output };
  }

  /** A pass/warn/fail from the agent API; false if this is not a TTL check. */
  update(status: CheckStatus, output: string): boolean {
    if (this.spec.kind !== "ttl") return false;
    this.armTtl();
    this.set(status, output);
    return true;
  }

  stop(): void {
    this.worker?.stop();
    if (this.ttlTimer) this.deps.clock.clearTimeout(this.ttlTimer);
  }

  private armTtl(): void {
    if (this.ttlTimer) this.deps.clock.clearTimeout(this.ttlTimer);
    this.ttlTimer = this.deps.clock.setTimeout(() => this.set("critical", `TTL expired: no update within ${this.spec.ttlMs / 1000} s`), this.spec.ttlMs);
  }

  private set(status: CheckStatus, output: string): void {
    if (status === this.status && output === this.output) return;
    this.status = status;
    this.output = output;
    this.deps.changed();
  }
}
