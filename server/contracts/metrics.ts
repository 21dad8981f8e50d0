import { z } from "zod";

/**
 * One point of a series. Traffic fields for services, instances and edges; resource fields for
 * instances (and a service's ready count); Gantry's own health for the "gantry" series.
 */
export type MetricPoint = {
  /** Start of the interval, ms since epoch. */
  at: number;
  rps?: number;
  /** 5xx share of requests, in percent. */
  errorRate?: number;
  /** Latency percentiles in ms; null without requests. */
  p50?: number | null;
  p95?: number | null;
  p99?: number | null;
  inFlight?: number;
  /** `tcp` traffic (set only on series that carried connections): new connections per second… */
  cps?: number;
  /** …connections open at the end of the interval (the most in a minute rollup)… */
  openConnections?: number;
  /** …bytes per second from clients to instances and back… */
  bytesInPerSecond?: number;
  bytesOutPerSecond?: number;
  /** …and failed connects to instances per second. */
  connectErrorsPerSecond?: number;
  cpuPercent?: number;
  memoryBytes?: number;
  ready?: number;
  loopLagMs?: number;
};

/** `service:<id>`, `instance:<id>`, `edge:<id>` or `gantry`. */
export type SeriesKey = string;

export const metricWindows = { "5m": 5 * 60_000, "15m": 15 * 60_000, "1h": 3_600_000, "24h": 24 * 3_600_000 } as const;
export type MetricWindow = keyof typeof metricWindows;

export const seriesInput = z.object({
  keys: z.array(z.string().regex(/^(gantry|(service|instance|edge):[-a-z0-9]+)$/, "not a series key")).min(1).max(200),
  window: z.enum(["5m", "15m", "1h", "24h"]).default("15m"),
});
export type SeriesInput = z.input<typeof seriesInput>;

/** Points per key, oldest first: 1 s resolution up to 15 minutes, 1 min beyond. */
export type SeriesResult = { window: MetricWindow; resolutionMs: number; series: Record<SeriesKey, MetricPoint[]> };
