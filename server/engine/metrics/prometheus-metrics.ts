import { latencyBuckets, statusClasses, type ConnectionCounters, type TrafficCounters } from "../proxy/types";
import type { InstanceView } from "../supervisor/instance-view";
import type { MetricsCollector } from "./metrics-collector";

type Labels = Record<string, string>;
type Value = { value: number; labels: Labels; metricName?: string };
type Family = { name: string; help: string; type: "counter" | "gauge" | "histogram"; values(): Value[] };

export type PrometheusSources = {
  collector: MetricsCollector;
  instances(): InstanceView[];
  /** Service id → name, edge id → its ends' names. */
  names(): { services: Map<string, string>; edges: Map<string, { from: string; to: string }> };
};

function requestValues(counters: TrafficCounters, labels: Labels): Value[] {
  return statusClasses.map((code) => ({ value: counters.requests[code], labels: { ...labels, code } }));
}

function histogramValues(name: string, counters: TrafficCounters, labels: Labels): Value[] {
  let cumulative = 0;
  const values: Value[] = latencyBuckets.map((le, i) => {
    cumulative += counters.latency[i] ?? 0;
    return { metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le: String(le) } };
  });
  cumulative += counters.latency[latencyBuckets.length] ?? 0;
  values.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le: "+Inf" } });
  values.push({ metricName: `${name}_sum`, value: counters.latencySum, labels });
  values.push({ metricName: `${name}_count`, value: cumulative, labels });
  return values;
}

type TrafficSeries = (kind: "service" | "instance" | "edge") => Array<{ labels: Labels; counters: TrafficCounters }>;

/**
 * Connection counters of `tcp` listeners, per instance, service and edge. Only series that saw a
 * connection (or a failed attempt) are shown: HTTP services would otherwise all carry zeros.
 */
function connectionFamilies(traffic: TrafficSeries): Family[] {
  const scopes = [
    { kind: "instance", prefix: "gantry_", of: "to an instance" },
    { kind: "service", prefix: "gantry_service_", of: "to a service through any listener" },
    { kind: "edge", prefix: "gantry_edge_", of: "over a dependency edge" },
  ] as const;
  const metrics = [
    { name: "connections_total", type: "counter", help: "TCP connections proxied", value: (c: ConnectionCounters) => c.total },
    { name: "open_connections", type: "gauge", help: "TCP connections open now", value: (c: ConnectionCounters) => c.open },
    { name: "received_bytes_total", type: "counter", help: "Bytes from clients, over TCP connections", value: (c: ConnectionCounters) => c.bytesIn },
    { name: "sent_bytes_total", type: "counter", help: "Bytes to clients, over TCP connections", value: (c: ConnectionCounters) => c.bytesOut },
    { name: "connect_errors_total", type: "counter", help: "Failed or timed-out connects to an instance, for TCP connections", value: (c: ConnectionCounters) => c.connectErrors },
  ] as const;
  return scopes.flatMap((scope) =>
    metrics.map(
      (metric): Family => ({
        name: `${scope.prefix}${metric.name}`,
        help: `${metric.help} ${scope.of}.`,
        type: metric.type,
        values: () =>
          traffic(scope.kind)
            .filter((t) => t.counters.connections.total + t.counters.connections.connectErrors > 0)
            .map((t) => ({ value: metric.value(t.counters.connections), labels: t.labels })),
      }),
    ),
  );
}

/** Prometheus text format (0.0.4) escaping of HELP text; label values also escape `"`. */
const escapeText = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (value: string) => escapeText(value).replace(/"/g, '\\"');

function sampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value < 0 ? "-Inf" : "+Inf";
  return String(value);
}

/** One family in the text format: HELP, TYPE, then a line per value. */
function familyText(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeText(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const { value, labels, metricName } of family.values()) {
    const pairs = Object.entries(labels).map(([name, v]) => `${name}="${escapeLabel(v)}"`);
    lines.push(`${metricName ?? family.name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${sampleValue(value)}`);
  }
  return lines.join("\n");
}

/**
 * Gantry's metrics in the Prometheus text format, computed at each scrape from the collector's
 * totals and the instances. Written here rather than through prom-client's metric classes, which
 * can't hold counts kept elsewhere (a histogram's buckets above all); served after prom-client's
 * process metrics.
 */
export function gantryMetricsText(sources: PrometheusSources): () => string {
  const { collector } = sources;
  /** Traffic series of one kind, with the labels to show for each. */
  const traffic: TrafficSeries = (kind) => {
    const { services, edges } = sources.names();
    const out: Array<{ labels: Labels; counters: TrafficCounters }> = [];
    for (const [key, counters] of collector.totals) {
      const [prefix, id] = key.split(":") as [string, string];
      if (prefix !== kind) continue;
      if (kind === "service") out.push({ labels: { service: services.get(id) ?? id }, counters });
      else if (kind === "instance") out.push({ labels: { service: services.get(collector.serviceOf(id) ?? "") ?? "", instance: id }, counters });
      else {
        const edge = edges.get(id);
        if (edge) out.push({ labels: { from: edge.from, to: edge.to }, counters });
      }
    }
    return out;
  };
  const perInstance = (value: (i: InstanceView) => number | undefined): Value[] =>
    sources.instances().flatMap((i) => {
      const v = value(i);
      return v === undefined ? [] : [{ value: v, labels: { service: i.serviceName, instance: i.id } }];
    });

  const families: Family[] = [
    {
      name: "gantry_requests_total",
      help: "Requests proxied to an instance, by status class.",
      type: "counter",
      values: () => traffic("instance").flatMap((t) => requestValues(t.counters, t.labels)),
    },
    {
      name: "gantry_request_duration_seconds",
      help: "Time from a request's arrival at the proxy to the end of its response, per instance.",
      type: "histogram",
      values: () => traffic("instance").flatMap((t) => histogramValues("gantry_request_duration_seconds", t.counters, t.labels)),
    },
    {
      name: "gantry_service_requests_total",
      help: "Requests to a service through any listener, including those the proxy answered itself (no healthy instance, circuit open).",
      type: "counter",
      values: () => traffic("service").flatMap((t) => requestValues(t.counters, t.labels)),
    },
    {
      name: "gantry_service_request_duration_seconds",
      help: "Request latency per service, through any listener.",
      type: "histogram",
      values: () => traffic("service").flatMap((t) => histogramValues("gantry_service_request_duration_seconds", t.counters, t.labels)),
    },
    {
      name: "gantry_service_in_flight_requests",
      help: "Requests to a service in progress.",
      type: "gauge",
      values: () => traffic("service").map((t) => ({ value: t.counters.inFlight, labels: t.labels })),
    },
    {
      name: "gantry_edge_requests_total",
      help: "Requests over a dependency edge (from's instances calling to through the edge's own listener), by status class.",
      type: "counter",
      values: () => traffic("edge").flatMap((t) => requestValues(t.counters, t.labels)),
    },
    { name: "gantry_instance_ready", help: "1 when the instance is ready (in its service's endpoints).", type: "gauge", values: () => perInstance((i) => (i.ready ? 1 : 0)) },
    { name: "gantry_instance_restarts_total", help: "Restarts of the instance.", type: "counter", values: () => perInstance((i) => i.restarts) },
    { name: "gantry_instance_cpu_seconds_total", help: "CPU time of the instance's process tree or container (resets when it restarts).", type: "counter", values: () => perInstance((i) => i.usage?.cpuSeconds) },
    { name: "gantry_instance_memory_bytes", help: "Resident memory of the instance's process tree or container.", type: "gauge", values: () => perInstance((i) => i.usage?.memoryBytes) },
    {
      name: "gantry_probe_success",
      help: "1 if the instance's latest probe result passed, by probe type.",
      type: "gauge",
      values: () =>
        sources.instances().flatMap((i) =>
          i.probes.flatMap(({ type, last }) => (last ? [{ value: last.ok ? 1 : 0, labels: { service: i.serviceName, instance: i.id, probe: type } }] : [])),
        ),
    },
    {
      name: "gantry_probe_duration_seconds",
      help: "Latency of the instance's latest probe, by probe type.",
      type: "gauge",
      values: () =>
        sources.instances().flatMap((i) =>
          i.probes.flatMap(({ type, last }) => (last ? [{ value: last.latencyMs / 1000, labels: { service: i.serviceName, instance: i.id, probe: type } }] : [])),
        ),
    },
    ...connectionFamilies(traffic),
  ];

  return () => `${families.map(familyText).join("\n\n")}\n`;
}
