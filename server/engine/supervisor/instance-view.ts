import type { InstancePhase, RuntimeDetails } from "../../contracts/instance";
import type { ProbeStatus } from "../../contracts/probe";
import type { InstanceTemplate } from "../../contracts/service";
import type { Usage } from "../drivers/runtime-driver";

/**
 * An instance as the rest of the engine sees it (metrics, registry, health, traffic, the API):
 * read-only, whatever runtime it runs on. Only the supervisor's runner changes it.
 */
export interface InstanceView {
  readonly id: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly revision: number;
  readonly template: InstanceTemplate;
  /** Creation order within this Gantry process; higher is newer. */
  readonly seq: number;
  readonly phase: InstancePhase;
  readonly ready: boolean;
  /** Since when (clock ms) it has been ready without a break; null while it isn't. */
  readonly readySince: number | null;
  /** Its PORT, for its whole life (restarts keep it). */
  readonly port: number | null;
  /** Where its port is reached from Gantry's host, while something runs. */
  readonly address: { host: string; port: number } | null;
  readonly runtime: RuntimeDetails | null;
  readonly restarts: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string | null;
  readonly message: string | null;
  readonly startedAt: Date | null;
  readonly nextRestartAt: number | null;
  readonly usage: Usage | null;
  readonly probes: readonly ProbeStatus[];
  /** Out of rotation in the data plane (outlier ejection), as its last stats said. */
  readonly ejected: boolean;
  /** Asked to stop: no longer counts toward replicas. */
  readonly leaving: boolean;
}
