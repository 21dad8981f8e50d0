"use client";

import { memo } from "react";
import { Area, AreaChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type ChartLine = { key: string; name: string; color: string };

const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const axisTick = { fontSize: 10, fill: "currentColor" };

/** One live chart: time along the bottom from `since` to now, a line (or area) per series. */
export const MetricChart = memo(function MetricChart(props: {
  title: string;
  rows: Array<Record<string, number | null>>;
  lines: ChartLine[];
  since: number;
  format(value: number): string;
  area?: boolean;
  testId?: string;
}) {
  const { title, rows, lines, since, format, area } = props;
  const Chart = area ? AreaChart : LineChart;
  const latest = rows.at(-1);
  return (
    <figure className="rounded-md border border-zinc-200 p-2 dark:border-zinc-800" data-testid={props.testId} aria-label={title}>
      <figcaption className="mb-1 flex items-baseline justify-between px-1 text-xs">
        <span className="font-medium">{title}</span>
        <span className="tabular-nums text-zinc-500" data-testid="chart-latest">
          {lines
            .map((l) => latest?.[l.key])
            .filter((v): v is number => typeof v === "number")
            .slice(0, 3)
            .map(format)
            .join(" · ") || "no data"}
        </span>
      </figcaption>
      <div className="h-28 text-zinc-500">
        <ResponsiveContainer width="100%" height="100%">
          <Chart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeOpacity={0.15} vertical={false} />
            <XAxis dataKey="at" type="number" scale="time" domain={[since, "dataMax"]} tickFormatter={clock} tick={axisTick} minTickGap={48} />
            <YAxis width={52} tick={axisTick} tickFormatter={format} allowDecimals />
            <Tooltip
              labelFormatter={(at) => clock(Number(at))}
              formatter={(value) => (typeof value === "number" ? format(value) : "—")}
              contentStyle={{ fontSize: 11, background: "var(--tooltip-bg, white)", borderRadius: 6 }}
            />
            {lines.map((line) =>
              area ? (
                <Area key={line.key} dataKey={line.key} name={line.name} stroke={line.color} fill={line.color} fillOpacity={0.2} isAnimationActive={false} dot={false} connectNulls />
              ) : (
                <Line key={line.key} dataKey={line.key} name={line.name} stroke={line.color} strokeWidth={1.5} isAnimationActive={false} dot={false} connectNulls />
              ),
            )}
          </Chart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
