import type { Probe, ProbeResult, ProbeStatus, ProbeType } from "../../contracts/probe";
import type { Clock } from "../../lib/clock";
import type { ProbeOutcome, ProbeTarget } from "./probes";
import type { ProbeScheduler, Scheduled } from "./probe-scheduler";

export type ProbeWorkerOptions = {
  type: ProbeType;
  probe: Probe;
  target: ProbeTarget;
  clock: Clock;
  scheduler: ProbeScheduler;
  run: (probe: Probe, target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;
  /** Called only when the verdict flips (after thresholds), like the kubelet's results cache. */
  onVerdict: (worker: ProbeWorker) => void;
  /** Spreads first runs so many probes don't fire in the same millisecond. */
  jitterMs?: number;
  /** A period that changes with the time since start(), instead of the probe's fixed periodSeconds. */
  periodMs?: (sinceStartMs: number) => number;
};

/**
 * One probe of one instance (the kubelet's worker per container × probe type). Consecutive
 * results count toward successThreshold / failureThreshold; only a verdict change is published.
 */
export class ProbeWorker implements Scheduled {
  state: ProbeStatus["state"] = "pending";
  last: ProbeResult | null = null;
  busy = false;
  stopped = false;
  /** A result not yet sent to live views. */
  private fresh: ProbeResult | undefined;
  private streak = { ok: false, count: 0 };
  private startedAt = 0;

  constructor(private readonly options: ProbeWorkerOptions) {}

  get periodMs(): number {
    const { periodMs, probe, clock } = this.options;
    return periodMs ? periodMs(clock.now() - this.startedAt) : probe.periodSeconds * 1000;
  }

  get type(): ProbeType {
    return this.options.type;
  }

  start(): void {
    const { probe, clock, scheduler } = this.options;
    this.startedAt = clock.now();
    const jitter = Math.random() * Math.min(this.options.jitterMs ?? 100, this.periodMs);
    scheduler.add(this, clock.now() + probe.initialDelaySeconds * 1000 + jitter);
  }

  stop(): void {
    this.stopped = true;
  }

  run(): void {
    this.busy = true;
    const { probe, target, clock } = this.options;
    const startedAt = clock.now();
    const started = performance.now();
    this.options
      .run(probe, target, probe.timeoutSeconds * 1000)
      .catch((err: unknown) => ({ ok: false, message: `probe failed: ${String(err)}` }))
      .then((outcome) => {
        this.busy = false;
        if (!this.stopped) this.record(outcome, startedAt, performance.now() - started);
      });
  }

  status(): ProbeStatus {
    return { type: this.options.type, kind: this.options.probe.kind, state: this.state, last: this.last };
  }

  /** The latest result if it hasn't been handed out yet. */
  takeFresh(): ProbeResult | undefined {
    const fresh = this.fresh;
    this.fresh = undefined;
    return fresh;
  }

  /** Exposed for fake-clock tests of the threshold logic. */
  record(outcome: ProbeOutcome, at: number, latencyMs: number): void {
    this.last = { at: new Date(at).toISOString(), ok: outcome.ok, latencyMs: Math.round(latencyMs * 10) / 10, message: outcome.message };
    this.fresh = this.last;
    this.streak = outcome.ok === this.streak.ok ? { ok: outcome.ok, count: this.streak.count + 1 } : { ok: outcome.ok, count: 1 };
    const { successThreshold, failureThreshold } = this.options.probe;
    const verdict = this.streak.ok ? (this.streak.count >= successThreshold ? "passing" : undefined) : this.streak.count >= failureThreshold ? "failing" : undefined;
    if (verdict && verdict !== this.state) {
      this.state = verdict;
      this.options.onVerdict(this);
    }
  }
}
