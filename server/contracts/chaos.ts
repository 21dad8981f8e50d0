import { z } from "zod";
import { instanceId } from "./instance";

/**
 * Chaos, for operators: faults injected into the traffic of a service's listener or of one
 * dependency edge, for a bounded time. The data plane applies and times them (so they end even if
 * Gantry is gone); Gantry keeps none across its own restart.
 */
const percent = z.number().min(1, "percent is 1 to 100").max(100, "percent is 1 to 100");

export const fault = z.discriminatedUnion("kind", [
  /** Requests wait this long before they go on to an instance. */
  z.object({ kind: z.literal("latency"), ms: z.number().int().min(1).max(60_000, "latency is at most 60,000 ms"), percent }),
  /** Requests are answered with this status by the proxy (a gRPC call: UNAVAILABLE), never reaching an instance. */
  z.object({ kind: z.literal("error"), status: z.number().int().min(400, "an injected status is 400 to 599").max(599, "an injected status is 400 to 599"), percent }),
  /** The client's connection is reset (a gRPC/HTTP/2 stream: reset on its own). */
  z.object({ kind: z.literal("abort"), percent }),
]);
export type Fault = z.infer<typeof fault>;

export const faultTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("service"), serviceId: z.string().uuid() }),
  z.object({ kind: z.literal("edge"), edgeId: z.string().uuid() }),
]);
export type FaultTarget = z.infer<typeof faultTarget>;

export const injectInput = z.object({
  target: faultTarget,
  fault,
  durationSeconds: z.number().int().min(1).max(3600, "a fault lasts at most an hour"),
});
export type InjectInput = z.input<typeof injectInput>;

export const pauseInput = z.object({
  id: instanceId,
  seconds: z.number().int().min(1).max(300, "an instance is paused for at most 300 s"),
});

/** A fault in force, as clients see it. */
export type Injection = {
  id: string;
  target: FaultTarget;
  /** Human names of what it hits: `api` or `web → api`. */
  label: string;
  /** The service whose traffic it hits (an edge's callee). */
  serviceId: string;
  fault: Fault;
  startedAt: string;
  until: string;
  actor: string;
};

/** `50 % of requests answered 503`, `30 % of requests delayed 200 ms`, `10 % of connections reset`. */
export function describeFault(fault: Fault): string {
  if (fault.kind === "latency") return `${fault.percent} % of requests delayed ${fault.ms} ms`;
  if (fault.kind === "error") return `${fault.percent} % of requests answered ${fault.status}`;
  return `${fault.percent} % of requests reset`;
}
