import { describe, expect, it } from "vitest";
import { newCounters, recordRequest } from "../proxy/counters";
import { gantryMetricsText, type PrometheusSources } from "./prometheus-metrics";

/** Sources with one service `api`, its instance i1 and the given instance name quirks. */
function sources(serviceName = "api"): PrometheusSources {
  const counters = newCounters();
  recordRequest(counters, 200, 0.01);
  recordRequest(counters, 503, 2.5);
  return {
    collector: { totals: new Map([["service:s1", counters], ["instance:i1", counters]]), serviceOf: () => "s1" },
    instances: () => [{ id: "i1", serviceName, ready: true, restarts: 2, usage: { cpuSeconds: 1.5, memoryBytes: 1024 }, probes: [] }],
    names: () => ({ services: new Map([["s1", serviceName]]), edges: new Map() }),
  } as unknown as PrometheusSources;
}

describe("Gantry's metrics in the Prometheus text format", () => {
  it("writes each family's HELP and TYPE, then its samples, histograms as cumulative buckets", () => {
    const text = gantryMetricsText(sources())();
    expect(text).toContain('# HELP gantry_service_requests_total Requests to a service through any listener');
    expect(text).toContain('# TYPE gantry_service_requests_total counter\ngantry_service_requests_total{service="api",code="1xx"} 0\n');
    expect(text).toContain('gantry_service_requests_total{service="api",code="5xx"} 1\n');
    expect(text).toContain('gantry_service_request_duration_seconds_bucket{service="api",le="+Inf"} 2\n');
    expect(text).toContain('gantry_service_request_duration_seconds_sum{service="api"} 2.51\n');
    expect(text).toContain('gantry_instance_restarts_total{service="api",instance="i1"} 2\n');
    // A family without samples still says what it is; families are apart by a blank line, and the text ends with a newline.
    expect(text).toContain("# TYPE gantry_edge_requests_total counter\n\n# HELP");
    expect(text.endsWith("\n") && !text.endsWith("\n\n")).toBe(true);
  });

  it("escapes backslashes, quotes and line ends in label values", () => {
    expect(gantryMetricsText(sources('we"ird\\na\nme'))()).toContain('gantry_instance_ready{service="we\\"ird\\\\na\\nme",instance="i1"} 1\n');
  });
});
