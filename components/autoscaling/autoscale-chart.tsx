"use client";

import { useMemo } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { AutoscaleMetric, AutoscaleSample } from "@/server/contracts/autoscale";
import { clockTime, tickTime, timeTicks } from "../charts/time-ticks";

const axisTick = { fontSize: 10, fill: "currentColor" };
const tooltipStyle = { fontSize: 11, background: "var(--tooltip-bg, white)", borderRadius: 6 };
const HEIGHT_PX = 140;

/** Wanted and ready instances (left axis) and the metric against its target (right axis), per sync. */
export function AutoscaleChart(props: { samples: AutoscaleSample[]; metric: AutoscaleMetric; target: number; unit: string; width: number }) {
  const { samples, metric, target, unit } = props;
  const rows = useMemo(() => samples.map((s) => ({ at: s.at, wanted: s.wanted, ready: s.ready, metric: s.metrics[metric] ?? null })), [samples, metric]);
  const domain = useMemo(() => [samples[0]?.at ?? 0, samples.at(-1)?.at ?? 0], [samples]);
  // Round minutes only (Recharts would otherwise label every sync); the target always in view.
  const ticks = useMemo(() => timeTicks(domain[0]!, domain[1]!, 4), [domain]);
  const metricDomain = useMemo(() => ([, highest]: readonly [number, number]): [number, number] => [0, Math.max(highest, target * 1.25)], [target]);
  return (
    <LineChart width={props.width} height={HEIGHT_PX} data={rows} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
      <CartesianGrid strokeOpacity={0.15} vertical={false} />
      <XAxis dataKey="at" type="number" scale="time" domain={domain} ticks={ticks} tickFormatter={tickTime} tick={axisTick} />
      <YAxis yAxisId="count" width={28} tick={axisTick} allowDecimals={false} />
      <YAxis yAxisId="metric" orientation="right" width={44} tick={axisTick} domain={metricDomain} />
      <Tooltip labelFormatter={(at) => clockTime(Number(at))} formatter={(value) => (typeof value === "number" ? Math.round(value * 10) / 10 : "—")} contentStyle={tooltipStyle} />
      <Line yAxisId="count" type="stepAfter" dataKey="wanted" name="wanted" stroke="#0ea5e9" strokeWidth={1.5} isAnimationActive={false} dot={false} />
      <Line yAxisId="count" type="stepAfter" dataKey="ready" name="ready" stroke="#10b981" strokeWidth={1.5} isAnimationActive={false} dot={false} />
      <Line yAxisId="metric" dataKey="metric" name={unit} stroke="#f59e0b" strokeWidth={1.5} isAnimationActive={false} dot={false} />
      <ReferenceLine yAxisId="metric" y={target} stroke="#f59e0b" strokeDasharray="4 3" label={{ value: `target ${target}`, fontSize: 10, fill: "currentColor", position: "insideTopRight" }} />
    </LineChart>
  );
}
