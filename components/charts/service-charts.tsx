"use client";

import { useMemo, useRef, useState } from "react";
import { metricWindows, type MetricWindow } from "@/server/contracts/metrics";
import type { Instance } from "@/server/contracts/instance";
import type { Service } from "@/server/contracts/service";
import { inputBase } from "../form-field";
import { formatBytes, formatMs, formatPercent } from "../format";
import { useWidth } from "../use-width";
import { busiestInstances } from "./busiest-instances";
import type { ChartLine } from "./chart-plot";
import { redrawEveryMs } from "./chart-rows";
import { CHART_CHROME_PX, MetricChart, type ChartTiming } from "./metric-chart";
import type { NumericField } from "./series-math";
import { useServiceSeries } from "./use-service-series";

const PALETTE = ["#0ea5e9", "#f59e0b", "#10b981", "#a855f7", "#ef4444", "#14b8a6", "#f97316", "#6366f1"];
const rate = (v: number) => (v >= 10 ? Math.round(v).toString() : v.toFixed(1));

/**
 * Requests, errors and latency of the service (or one instance) — for a `tcp` service connections,
 * bytes and failed connects instead — and CPU and memory of each instance.
 */
export function ServiceCharts({ service, instances }: { service: Service; instances: Instance[] }) {
  const [window, setWindow] = useState<MetricWindow>("5m");
  const [scope, setScope] = useState("service");
  const ids = instances.map((i) => i.id).join(",");
  const instanceIds = useMemo(() => (ids ? ids.split(",") : []), [ids]);
  const keys = useMemo(() => [`service:${service.id}`, ...instanceIds.map((id) => `instance:${id}`)], [service.id, instanceIds]);
  const { series, until, resolutionMs, minutesAt, error } = useServiceSeries(service.id, window, keys);
  const traffic = scope !== "service" && instanceIds.includes(scope) ? `instance:${scope}` : `service:${service.id}`;
  const column = useRef<HTMLDivElement>(null);
  const plotPx = useWidth(column) - CHART_CHROME_PX;
  const windowMs = metricWindows[window];
  const timing = useMemo(
    (): ChartTiming => ({ windowMs, resolutionMs, plotPx, redrawMs: redrawEveryMs(windowMs, plotPx), dataset: `${window}:${minutesAt}` }),
    [window, windowMs, resolutionMs, plotPx, minutesAt],
  );
  // Which instances get a line, as names: the lines stay the same objects while the set holds.
  const busiest = (field: NumericField) => (series ? busiestInstances(series, instanceIds, field, until - windowMs, PALETTE.length).join(",") : "");
  const busiestCpu = busiest("cpuPercent");
  const busiestMemory = busiest("memoryBytes");
  const charts = useMemo(() => {
    const one = (field: NumericField, name: string, color = PALETTE[0]!): ChartLine[] => [{ column: field, key: traffic, field, name, color }];
    const perInstance = (field: NumericField, busiestIds: string) => {
      const shown = busiestIds ? busiestIds.split(",") : [];
      return {
        lines: shown.map((id, i): ChartLine => ({ column: id, key: `instance:${id}`, field, name: id, color: PALETTE[i]! })),
        of: shown.length < instanceIds.length ? ` (busiest ${shown.length} of ${instanceIds.length})` : "",
      };
    };
    return {
      connections: one("cps", "conn/s"),
      open: one("openConnections", "open"),
      bytes: [
        { column: "bytesInPerSecond", key: traffic, field: "bytesInPerSecond", name: "in", color: PALETTE[0]! },
        { column: "bytesOutPerSecond", key: traffic, field: "bytesOutPerSecond", name: "out", color: PALETTE[1]! },
      ] satisfies ChartLine[],
      connectErrors: one("connectErrorsPerSecond", "connect errors/s", "#ef4444"),
      rps: one("rps", "req/s"),
      errors: one("errorRate", "errors", "#ef4444"),
      latency: (["p50", "p95", "p99"] as const).map((field, i): ChartLine => ({ column: field, key: traffic, field, name: field, color: PALETTE[i]! })),
      cpu: perInstance("cpuPercent", busiestCpu),
      memory: perInstance("memoryBytes", busiestMemory),
    };
  }, [traffic, instanceIds, busiestCpu, busiestMemory]);
  const live = series && { series, until, timing };

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
      <div ref={column} className="grid gap-2">
        {!live || plotPx <= 0 ? (
          <p className="py-8 text-center text-sm text-zinc-500">Loading charts…</p>
        ) : (
          <>
            {service.traffic.protocol === "tcp" ? (
              <>
                <MetricChart title="New connections per second" testId="chart-connections" stagger={0} area lines={charts.connections} format={rate} {...live} />
                <MetricChart title="Open connections" testId="chart-open-connections" stagger={1} lines={charts.open} format={rate} {...live} />
                <MetricChart title="Bytes per second in / out" testId="chart-bytes" stagger={2} lines={charts.bytes} format={formatBytes} {...live} />
                <MetricChart title="Connect errors per second" testId="chart-connect-errors" stagger={3} lines={charts.connectErrors} format={rate} {...live} />
              </>
            ) : (
              <>
                <MetricChart title="Requests per second" testId="chart-rps" stagger={0} area lines={charts.rps} format={rate} {...live} />
                <MetricChart title="Errors (5xx)" testId="chart-errors" stagger={1} lines={charts.errors} format={formatPercent} {...live} />
                <MetricChart title="Latency p50 / p95 / p99" testId="chart-latency" stagger={2} lines={charts.latency} format={formatMs} {...live} />
              </>
            )}
            {!service.external && (
              <>
                <MetricChart title={`CPU per instance${charts.cpu.of}`} testId="chart-cpu" stagger={3} lines={charts.cpu.lines} format={formatPercent} {...live} />
                <MetricChart title={`Memory per instance${charts.memory.of}`} testId="chart-memory" stagger={4} lines={charts.memory.lines} format={formatBytes} {...live} />
              </>
            )}
          </>
        )}
      </div>
    </div>
  );
}
