import type { Probe } from "../../../contracts/probe";
import type { ExecResult } from "../../drivers/runtime-driver";

/**
 * Where a probe looks: the instance's address and, for exec probes, its directory and environment
 * — or, for an instance with a filesystem of its own (a container), a way to run a command inside.
 */
export type ProbeTarget = {
  host: string;
  port: number | null;
  cwd: string;
  env: Record<string, string>;
  execInside?(command: string[], env: Record<string, string>, timeoutMs: number): Promise<ExecResult>;
};
export type ProbeOutcome = { ok: boolean; message: string };

/** One probe kind. Must settle within `timeoutMs` (a timeout is a failure) and never throw. */
export type ProbeRunner<P extends Probe = Probe> = (probe: P, target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;

export const targetPort = (probe: { port: number | null }, target: ProbeTarget): number | undefined => probe.port ?? target.port ?? undefined;

/** Probe output goes into events and the UI: one line, bounded. */
export function clip(text: string, max = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
