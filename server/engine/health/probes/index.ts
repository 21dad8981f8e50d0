import type { Probe, ProbeKind } from "../../../contracts/probe";
import { execProbe } from "./exec-probe";
import { grpcProbe } from "./grpc-probe";
import { httpProbe } from "./http-probe";
import type { ProbeOutcome, ProbeRunner, ProbeTarget } from "./probe-runner";
import { tcpProbe } from "./tcp-probe";

export type { ProbeOutcome, ProbeRunner, ProbeTarget } from "./probe-runner";

/** Probe kinds by name: a new kind is a file and one entry here. */
export const probeRunners: { [K in ProbeKind]: ProbeRunner<Extract<Probe, { kind: K }>> } = {
  http: httpProbe,
  tcp: tcpProbe,
  exec: execProbe,
  grpc: grpcProbe,
};

export function runProbe(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  return (probeRunners[probe.kind] as ProbeRunner)(probe, target, timeoutMs);
}
