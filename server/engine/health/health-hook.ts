import path from "node:path";
import type { Probe, ProbeType } from "../../contracts/probe";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { InstanceHook } from "../supervisor/instance-hooks";
import type { InstanceRunner } from "../supervisor/instance-runner";
import { ProbeScheduler } from "./probe-scheduler";
import { ProbeWorker } from "./probe-worker";
import { runProbe, type ProbeOutcome, type ProbeTarget } from "./probes";

export type HealthOptions = {
  clock: Clock;
  log: Logger;
  /** Relative working directories resolve against this folder (for exec probes). */
  baseDir: string;
  /** The environment an exec probe sees: the instance's own. */
  envOf(instance: InstanceRunner): Record<string, string>;
  run?: (probe: Probe, target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;
};

/** Without a readiness probe, a listening service is ready once its PORT accepts a connection. */
const implicitReadiness: Probe = {
  kind: "tcp",
  port: null,
  initialDelaySeconds: 0,
  // Short: each step of a rolling update waits for this; it stops once the port answers.
  periodSeconds: 0.1,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
};

/**
 * Kubernetes probe semantics as an instance hook: a startup probe holds readiness and liveness
 * back until it passes; liveness (or startup) failing restarts the instance with the probe's
 * output; readiness moves the instance in and out of its service's endpoints.
 */
export function healthHook(options: HealthOptions): InstanceHook {
  const scheduler = new ProbeScheduler(options.clock, options.log);
  const run = options.run ?? runProbe;
  const workersOf = (instance: InstanceRunner) => instance.probes as Map<ProbeType, ProbeWorker>;

  const stopAll = (instance: InstanceRunner) => {
    for (const worker of workersOf(instance).values()) worker.stop();
    workersOf(instance).clear();
  };

  const launch = (instance: InstanceRunner, type: ProbeType, probe: Probe, onVerdict: (worker: ProbeWorker) => void) => {
    const target: ProbeTarget = {
      host: "127.0.0.1",
      port: instance.port,
      cwd: path.resolve(options.baseDir, instance.template.cwd),
      env: options.envOf(instance),
    };
    const worker = new ProbeWorker({ type, probe, target, clock: options.clock, scheduler, run, onVerdict });
    workersOf(instance).set(type, worker);
    worker.start();
  };

  const restartFor = (instance: InstanceRunner, worker: ProbeWorker, reason: string) =>
    instance.kill(reason, `${worker.type} probe failed: ${worker.last?.message ?? "no result"}`, { graceful: true });

  const startMain = (instance: InstanceRunner) => {
    const { readiness, liveness } = instance.template.probes;
    if (readiness) {
      launch(instance, "readiness", readiness, (w) => instance.setReady(w.state === "passing"));
    } else if (instance.template.listens && instance.port !== null) {
      launch(instance, "readiness", implicitReadiness, (w) => {
        // An adopted instance starts with the readiness it last had: a port that doesn't answer takes it out.
        instance.setReady(w.state === "passing");
        if (w.state !== "passing") return;
        w.stop(); // like Kubernetes without a readiness probe: ready from then on
        workersOf(instance).delete("readiness");
        instance.changed();
      });
    } else {
      instance.setReady(true);
    }
    if (liveness) {
      launch(instance, "liveness", liveness, (w) => {
        if (w.state === "failing") restartFor(instance, w, "Unhealthy");
        else instance.changed();
      });
    }
    instance.changed();
  };

  return {
    name: "health",
    started(instance) {
      const { startup } = instance.template.probes;
      if (!startup) return startMain(instance);
      launch(instance, "startup", startup, (w) => {
        if (w.state === "failing") return restartFor(instance, w, "StartupFailed");
        w.stop();
        workersOf(instance).delete("startup");
        startMain(instance);
      });
      instance.changed();
    },
    exited: stopAll,
    stopping: stopAll,
    cleanup: stopAll,
  };
}
