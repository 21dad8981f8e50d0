import path from "node:path";
import type { Probe, ProbeType } from "../../contracts/probe";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { InstanceControl, InstanceHook } from "../supervisor/instance-hooks";
import type { InstanceView } from "../supervisor/instance-view";
import { ProbeScheduler } from "./probe-scheduler";
import { ProbeWorker } from "./probe-worker";
import { runProbe, type ProbeOutcome, type ProbeTarget } from "./probes";

export type HealthOptions = {
  clock: Clock;
  log: Logger;
  /** Relative working directories resolve against this folder (for exec probes). */
  baseDir: string;
  /** The environment an exec probe sees: the instance's own. */
  envOf(instance: InstanceView): Record<string, string>;
  run?: (probe: Probe, target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;
};

/**
 * Without a readiness probe, a listening service is ready once its PORT accepts a connection. A
 * scale-up and each step of a rolling update wait for this, so the port is tried from the start,
 * with no jitter, at the period of `startingPeriodMs`; it stops once the port answers.
 */
const implicitReadiness: Probe = {
  kind: "tcp",
  port: null,
  initialDelaySeconds: 0,
  periodSeconds: 0.02, // startingPeriodMs's longest
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
};

/**
 * How often a starting program's port is tried: every 1/32 of the time since it was spawned,
 * from 1 ms up to 20 ms. A port that opens t ms after the spawn is noticed within t/32 ms (a
 * fixed 20 ms period added 10 ms on average, whatever t), for about 32 + 32·ln(t/32) refused
 * connects until 640 ms (some 200 µs of CPU each), then one every 20 ms.
 */
export const startingPeriodMs = (sinceStartMs: number): number => Math.min(20, Math.max(1, sinceStartMs / 32));

/**
 * Kubernetes probe semantics as an instance hook: a startup probe holds readiness and liveness
 * back until it passes; liveness (or startup) failing restarts the instance with the probe's
 * output; readiness moves the instance in and out of its service's endpoints.
 */
export function healthHook(options: HealthOptions): InstanceHook {
  const scheduler = new ProbeScheduler(options.clock, options.log);
  const run = options.run ?? runProbe;
  /** The probes of each instance's current process. */
  const running = new Map<string, Map<ProbeType, ProbeWorker>>();

  const stopAll = (instance: InstanceView) => {
    for (const worker of running.get(instance.id)?.values() ?? []) worker.stop();
    running.delete(instance.id);
  };

  /** One process's probes: started, stopped and reported through its control. */
  const probesOf = (instance: InstanceView, control: InstanceControl) => {
    const workers = new Map<ProbeType, ProbeWorker>();
    running.set(instance.id, workers);
    return {
      launch(type: ProbeType, probe: Probe, onVerdict: (worker: ProbeWorker) => void, cadence?: { jitterMs: number; periodMs(sinceStartMs: number): number }) {
        const target: ProbeTarget = {
          host: instance.address?.host ?? "127.0.0.1",
          port: instance.port,
          cwd: path.resolve(options.baseDir, instance.template.cwd),
          env: options.envOf(instance),
          execInside: control.exec,
        };
        const worker = new ProbeWorker({ type, probe, target, clock: options.clock, scheduler, run, onVerdict, ...cadence });
        workers.set(type, worker);
        control.setProbe(type, worker);
        worker.start();
      },
      /** A probe that has done its job (startup passed, an implicit readiness answered). */
      retire(worker: ProbeWorker) {
        worker.stop();
        workers.delete(worker.type);
        control.setProbe(worker.type, undefined);
      },
    };
  };

  const restartFor = (control: InstanceControl, worker: ProbeWorker, reason: string) =>
    control.restart(reason, `${worker.type} probe failed: ${worker.last?.message ?? "no result"}`);

  const startMain = (instance: InstanceView, control: InstanceControl, probes: ReturnType<typeof probesOf>) => {
    const { readiness, liveness } = instance.template.probes;
    if (readiness) {
      probes.launch("readiness", readiness, (w) => control.setReady(w.state === "passing", `readiness probe ${w.state === "passing" ? "passed" : "failed"}: ${w.last?.message ?? "no result"}`));
    } else if (instance.template.listens && instance.port !== null) {
      probes.launch("readiness", implicitReadiness, (w) => {
        // An adopted instance starts with the readiness it last had: a port that doesn't answer takes it out.
        control.setReady(w.state === "passing");
        if (w.state === "passing") probes.retire(w); // like Kubernetes without a readiness probe: ready from then on
      }, { jitterMs: 0, periodMs: startingPeriodMs });
    } else {
      control.setReady(true);
    }
    if (liveness) {
      probes.launch("liveness", liveness, (w) => {
        if (w.state === "failing") restartFor(control, w, "Unhealthy");
        else control.changed();
      });
    }
  };

  return {
    name: "health",
    started(instance, control) {
      const probes = probesOf(instance, control);
      const { startup } = instance.template.probes;
      if (!startup) return startMain(instance, control, probes);
      probes.launch("startup", startup, (w) => {
        if (w.state === "failing") return restartFor(control, w, "StartupFailed");
        probes.retire(w);
        startMain(instance, control, probes);
      });
    },
    exited: stopAll,
    stopping: stopAll,
    cleanup: stopAll,
  };
}
