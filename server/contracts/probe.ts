import { z } from "zod";
import { namedRecord } from "./keys";

const seconds = (max: number) => z.number().finite().min(0.1, "must be at least 0.1 seconds").max(max, `must be at most ${max} seconds`);

/** Kubernetes' probe timing fields and defaults (seconds may be fractional here). */
const timing = {
  initialDelaySeconds: z.number().finite().min(0).max(3600).default(0),
  periodSeconds: seconds(3600).default(10),
  timeoutSeconds: seconds(3600).default(1),
  successThreshold: z.number().int().min(1).max(100).default(1),
  failureThreshold: z.number().int().min(1).max(100).default(3),
};

const port = z.number().int().min(1).max(65535).nullable().default(null);
export const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a valid HTTP header name");

export const probeKinds = ["http", "tcp", "exec", "grpc"] as const;
export type ProbeKind = (typeof probeKinds)[number];

export const probe = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("http"),
    path: z.string().trim().startsWith("/", "path must start with /").max(2048).default("/"),
    /** null: the instance's PORT. */
    port,
    headers: namedRecord(headerName, z.string().max(4096)).default({}),
    ...timing,
  }),
  z.object({ kind: z.literal("tcp"), port, ...timing }),
  z.object({
    kind: z.literal("exec"),
    /** argv, run in the instance's working directory with its environment. */
    command: z.array(z.string().max(4096)).min(1, "command is required").max(64),
    ...timing,
  }),
  z.object({
    kind: z.literal("grpc"),
    /** null: the instance's PORT. */
    port,
    /** The name asked about in `grpc.health.v1.Health/Check`; empty: the server as a whole. */
    service: z.string().max(1024).default(""),
    ...timing,
  }),
]);
export type Probe = z.infer<typeof probe>;
export type ProbeInput = z.input<typeof probe>;

export const probeTypes = ["startup", "readiness", "liveness"] as const;
export type ProbeType = (typeof probeTypes)[number];

export const probeSet = z
  .object({ startup: probe.nullable().default(null), readiness: probe.nullable().default(null), liveness: probe.nullable().default(null) })
  .superRefine((probes, ctx) => {
    for (const type of ["startup", "liveness"] as const) {
      if (probes[type] && probes[type].successThreshold !== 1) {
        ctx.addIssue({ code: "custom", path: [type, "successThreshold"], message: `successThreshold must be 1 for ${type} probes` });
      }
    }
  });
export type ProbeSet = z.infer<typeof probeSet>;

/** One probe's latest outcome, as shown in the UI. */
export type ProbeResult = { at: string; ok: boolean; latencyMs: number; message: string };

export type ProbeStatus = {
  type: ProbeType;
  kind: ProbeKind;
  /** After thresholds: pending until the first verdict. */
  state: "pending" | "passing" | "failing";
  last: ProbeResult | null;
};
