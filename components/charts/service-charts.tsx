"use client";

import { useMemo, useState } from "react";
import { metricWindows, type MetricWindow } from "@/server/contracts/metrics";
import type { Instance } from "@/server/contracts/instance";
import type { Service } from "@/server/contracts/service";
import { inputBase } from "../form-field";
import { formatBytes, formatMs, formatPercent } from "../format";
import { MetricChart, type ChartLine } from "./metric-chart";
import { rowsOf, type Column, type NumericField } from "./series-math";
import { useServiceSeries } from "./use-service-series";

const PALETTE = ["#0ea5e9", "#f59e0b", "#10b981", "#a855f7", "#ef4444", "#14b8a6", "#f97316", "#6366f1"];
const rate = (v: number) => (v >= 10 ? Math.round(v).toString() : v.toFixed(1));

/** Requests, errors and latency of the service (or one instance), CPU and memory of each instance. */
export function ServiceCharts({ service, instances }: { service: Service; instances: Instance[] }) {
  const [window, setWindow] = useState<MetricWindow>("5m");
  const [scope, setScope] = useState("service");
  const ids = instances.map((i) => i.id).join(",");
  const instanceIds = useMemo(() => (ids ? ids.split(",") : []), [ids]);
  const keys = useMemo(() => [`service:${service.id}`, ...instanceIds.map((id) => `instance:${id}`)], [service.id, instanceIds]);
  const { series, since, error } = useServiceSeries(service.id, window, keys);
  const traffic = scope !== "service" && instanceIds.includes(scope) ? `instance:${scope}` : `service:${service.id}`;

  const charts = useMemo(() => {
    if (!series) return undefined;
    const one = (field: NumericField, name: string, color = PALETTE[0]!) => ({
      rows: rowsOf(series, [{ column: field, key: traffic, field }], since),
      lines: [{ key: field, name, color }],
    });
    const latencyColumns: Column[] = (["p50", "p95", "p99"] as const).map((field) => ({ column: field, key: traffic, field }));
    const perInstance = (field: NumericField) => ({
      rows: rowsOf(series, instanceIds.map((id) => ({ column: id, key: `instance:${id}`, field })), since),
      lines: instanceIds.map((id, i): ChartLine => ({ key: id, name: id, color: PALETTE[i % PALETTE.length]! })),
    });
    return {
      rps: one("rps", "req/s"),
      errors: one("errorRate", "errors", "#ef4444"),
      latency: { rows: rowsOf(series, latencyColumns, since), lines: latencyColumns.map((c, i) => ({ key: c.column, name: c.column, color: PALETTE[i]! })) },
      cpu: perInstance("cpuPercent"),
      memory: perInstance("memoryBytes"),
    };
  }, [series, since, traffic, instanceIds]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div role="group" aria-label="Chart window" className="inline-flex overflow-hidden rounded-md border border-zinc-300 text-xs dark:border-zinc-700">
          {(Object.keys(metricWindows) as MetricWindow[]).map((w) => (
            <button
              key={w}
              type="button"
              aria-pressed={window === w}
              onClick={() => setWindow(w)}
              className={`px-2.5 py-1 ${window === w ? "bg-sky-600 text-white" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`}
            >
              {w}
            </button>
          ))}
        </div>
        {!service.external && (
          <select aria-label="Traffic of" value={scope} onChange={(e) => setScope(e.target.value)} className={`${inputBase} h-7 w-auto py-0 text-xs`}>
            <option value="service">whole service</option>
            {instanceIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        )}
      </div>
      {error && <p role="alert" className="text-xs text-red-600 dark:text-red-400">Could not load older points: {error}</p>}
      {!charts ? (
        <p className="py-8 text-center text-sm text-zinc-500">Loading charts…</p>
      ) : (
        <div className="grid gap-2">
          <MetricChart title="Requests per second" testId="chart-rps" area {...charts.rps} since={since} format={rate} />
          <MetricChart title="Errors (5xx)" testId="chart-errors" {...charts.errors} since={since} format={formatPercent} />
          <MetricChart title="Latency p50 / p95 / p99" testId="chart-latency" {...charts.latency} since={since} format={formatMs} />
          {!service.external && (
            <>
              <MetricChart title="CPU per instance" testId="chart-cpu" {...charts.cpu} since={since} format={formatPercent} />
              <MetricChart title="Memory per instance" testId="chart-memory" {...charts.memory} since={since} format={formatBytes} />
            </>
          )}
        </div>
      )}
    </div>
  );
}
