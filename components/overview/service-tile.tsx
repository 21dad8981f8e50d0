"use client";

import Link from "next/link";
import { memo } from "react";
import { Area, ComposedChart, Line, ResponsiveContainer, YAxis } from "recharts";
import type { Service } from "@/server/contracts/service";
import { formatMs, formatPercent, formatRate } from "../format";
import { HealthBadge } from "../health-badge";
import { useRecentSeries } from "../realtime/live-metrics";
import type { ServiceSummary } from "../service-summary";

const attention = { down: "ring-2 ring-red-500 bg-red-50/60 dark:bg-red-950/30", degraded: "ring-2 ring-amber-400 bg-amber-50/60 dark:bg-amber-950/20", healthy: "", idle: "" };

/** One service for on-call: health, the three numbers that matter, and its last minute. */
export const ServiceTile = memo(function ServiceTile({ service, summary }: { service: Service; summary: ServiceSummary }) {
  const recent = useRecentSeries(`service:${service.id}`);
  const latest = recent.at(-1);
  return (
    <Link
      href={`/topology?service=${service.id}`}
      data-testid={`tile-${service.name}`}
      data-health={summary.health}
      className={`block rounded-lg border border-zinc-200 bg-white p-3 shadow-sm transition hover:border-sky-400 dark:border-zinc-800 dark:bg-zinc-900 ${attention[summary.health]}`}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="truncate font-semibold">{service.name}</span>
        {service.external ? <span className="text-xs text-violet-600 dark:text-violet-300">external</span> : <HealthBadge health={summary.health} />}
      </div>
      <dl className="mt-2 grid grid-cols-4 gap-1 text-xs">
        {[
          ["ready", `${summary.ready}/${summary.wanted}`],
          ["req/s", formatRate(latest?.rps ?? 0).replace("/s", "")],
          ["errors", formatPercent(latest?.errorRate ?? 0)],
          ["p95", formatMs(latest?.p95)],
        ].map(([label, value]) => (
          <div key={label}>
            <dt className="text-zinc-500">{label}</dt>
            <dd className="font-medium tabular-nums" data-testid={`tile-${label}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      <div className="mt-2 h-12" aria-label={`${service.name}: requests and p95 latency over the last minute`}>
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={recent} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
            <YAxis yAxisId="rps" hide domain={[0, "auto"]} />
            <YAxis yAxisId="ms" hide orientation="right" domain={[0, "auto"]} />
            <Area yAxisId="rps" dataKey="rps" stroke="#0ea5e9" fill="#0ea5e9" fillOpacity={0.2} isAnimationActive={false} dot={false} />
            <Line yAxisId="ms" dataKey="p95" stroke="#f59e0b" strokeWidth={1.25} isAnimationActive={false} dot={false} connectNulls />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </Link>
  );
});
