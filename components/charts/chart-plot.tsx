"use client";

import { memo, useCallback, useMemo } from "react";
import { Area, AreaChart, CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { chartRows, type ChartGrid, type Column } from "./chart-rows";
import type { Series } from "./series-math";
import { clockTime, tickTime, timeTicks } from "./time-ticks";

export type ChartLine = Column & { name: string; color: string };

export const PLOT_HEIGHT_PX = 112;
const Y_AXIS_PX = 52;
const MARGIN = { top: 4, right: 8, bottom: 0, left: 0 };
/** What the plot's margins and value axis take from its width. */
export const PLOT_CHROME_PX = Y_AXIS_PX + MARGIN.left + MARGIN.right;
const TIME_TICKS = 5;
const axisTick = { fontSize: 10, fill: "currentColor" };
const tooltipStyle = { fontSize: 11, background: "var(--tooltip-bg, white)", borderRadius: 6 };
const tooltipTime = (at: unknown) => clockTime(Number(at));

/**
 * The Recharts part of a chart: a line (or area) per column over the grid. Memoised on purpose:
 * every prop of it stays the same object until the chart is due to be redrawn, and Recharts
 * does all its work again on any render.
 */
export const ChartPlot = memo(function ChartPlot(props: { series: Series; lines: ChartLine[]; grid: ChartGrid; width: number; format(value: number): string; area?: boolean }) {
  const { series, lines, grid, width, format, area } = props;
  const rows = useMemo(() => chartRows(series, lines, grid), [series, lines, grid]);
  const ticks = useMemo(() => timeTicks(grid.since, grid.until, TIME_TICKS), [grid]);
  const domain = useMemo(() => [grid.since, grid.until], [grid]);
  const tooltipValue = useCallback((value: unknown) => (typeof value === "number" ? format(value) : "—"), [format]);
  const Chart = area ? AreaChart : LineChart;
  return (
    <Chart width={width} height={PLOT_HEIGHT_PX} data={rows} margin={MARGIN}>
      <CartesianGrid strokeOpacity={0.15} vertical={false} />
      <XAxis dataKey="at" type="number" scale="time" domain={domain} ticks={ticks} tickFormatter={tickTime} tick={axisTick} />
      <YAxis width={Y_AXIS_PX} tick={axisTick} tickFormatter={format} allowDecimals />
      <Tooltip labelFormatter={tooltipTime} formatter={tooltipValue} contentStyle={tooltipStyle} />
      {lines.map((line) =>
        area ? (
          <Area key={line.column} dataKey={line.column} name={line.name} stroke={line.color} fill={line.color} fillOpacity={0.2} isAnimationActive={false} dot={false} />
        ) : (
          <Line key={line.column} dataKey={line.column} name={line.name} stroke={line.color} strokeWidth={1.5} isAnimationActive={false} dot={false} />
        ),
      )}
    </Chart>
  );
});
