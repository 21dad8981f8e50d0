import type { ProbeResult, ProbeStatus, ProbeType } from "../../contracts/probe";
import type { ExecResult } from "../drivers/runtime-driver";
import type { InstanceView } from "./instance-view";

/** What a hook adds to an instance before it starts; the runner applies it. */
export type HookContribution = { port?: number };

/** A probe running for an instance's current process, as the runner publishes it. */
export type ProbeSource = { status(): ProbeStatus; takeFresh(): ProbeResult | undefined };

/** What a hook may do to the instance it watches, once its process is up. */
export interface InstanceControl {
  /** In or out of its service's endpoints; `why` (a probe's result) goes into the event of a flip. */
  setReady(ready: boolean, why?: string): void;
  /** Ends the process gracefully with a reason its restart decision sees (a failing liveness probe). */
  restart(reason: string, message: string): void;
  /** A probe started (or, with undefined, stopped) for this process. */
  setProbe(type: ProbeType, probe: ProbeSource | undefined): void;
  /** Something the view shows changed (a probe's verdict): publish it again. */
  changed(): void;
  /** Runs a command inside the instance, when its runtime gives it a filesystem of its own. */
  exec?(command: string[], env: Record<string, string>, timeoutMs: number): Promise<ExecResult>;
}

/**
 * Ordered lifecycle hooks around an instance, as Nomad's task runner has: ports, logs, health
 * probes and traffic draining each plug in here instead of growing the runner. They read the
 * instance's view and return or call what they contribute; none writes into the runner.
 */
export interface InstanceHook {
  readonly name: string;
  /** Once, before the first process starts (or an adopted one is taken over). */
  prepare?(instance: InstanceView): Promise<HookContribution | void> | HookContribution | void;
  /** Each time a process is up. */
  started?(instance: InstanceView, control: InstanceControl): void;
  /** Each time a process has ended. */
  exited?(instance: InstanceView): void;
  /** Once, when the instance is asked to stop, before its stop signal (e.g. drain traffic). */
  stopping?(instance: InstanceView): Promise<void> | void;
  /** Once, after the instance has stopped for good. */
  cleanup?(instance: InstanceView): Promise<void> | void;
}
