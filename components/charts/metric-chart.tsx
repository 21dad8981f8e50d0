"use client";

import { memo, useMemo, useRef } from "react";
import { useOnScreen } from "../use-on-screen";
import { ChartPlot, PLOT_CHROME_PX, PLOT_HEIGHT_PX, type ChartLine } from "./chart-plot";
import { chartGrid } from "./chart-rows";
import type { Series } from "./series-math";
import { useHeld } from "./use-held";

const FRAME_PX = 2 * 8 + 2;
/** What a chart's frame, margins and value axis take from the width of the charts' column: the rest is plot. */
export const CHART_CHROME_PX = FRAME_PX + PLOT_CHROME_PX;
const SECOND = 1000;

/** The charts' time axis: its span, the spacing of the points, the plot's width, and when to redraw. */
export type ChartTiming = {
  windowMs: number;
  resolutionMs: number;
  plotPx: number;
  redrawMs: number;
  /** Which points the charts show (the window, the minute points' fetch): a change redraws at once. */
  dataset: string;
};

/**
 * One live chart: a caption with the latest value of the first three lines, every second, and a
 * plot redrawn when its axis has moved by a point. Charts take turns a second apart (`stagger`),
 * so no single task redraws them all. The plot is drawn only while on screen: a chart scrolled
 * out of view keeps its caption current and costs nothing else.
 */
export const MetricChart = memo(function MetricChart(props: {
  title: string;
  series: Series;
  /** The newest point's time. */
  until: number;
  timing: ChartTiming;
  stagger: number;
  lines: ChartLine[];
  format(value: number): string;
  area?: boolean;
  testId?: string;
}) {
  const { title, series, until, timing, lines, format } = props;
  const figure = useRef<HTMLElement>(null);
  const onScreen = useOnScreen(figure);
  const drawn = useHeld({ series, until }, `${timing.dataset}:${Math.floor((until + props.stagger * SECOND) / timing.redrawMs)}`);
  const grid = useMemo(() => chartGrid(drawn.until, timing.windowMs, timing.resolutionMs, timing.plotPx), [drawn, timing]);
  const latest = lines
    .map((l) => series[l.key]?.at(-1)?.[l.field])
    .filter((v): v is number => typeof v === "number")
    .slice(0, 3)
    .map(format)
    .join(" · ");
  return (
    <figure ref={figure} className="rounded-md border border-zinc-200 p-2 dark:border-zinc-800" data-testid={props.testId} aria-label={title}>
      <figcaption className="mb-1 flex items-baseline justify-between px-1 text-xs">
        <span className="font-medium">{title}</span>
        <span className="tabular-nums text-zinc-500" data-testid="chart-latest">
          {latest || "no data"}
        </span>
      </figcaption>
      <div className="text-zinc-500" style={{ height: PLOT_HEIGHT_PX }}>
        {onScreen && <ChartPlot series={drawn.series} lines={lines} grid={grid} width={timing.plotPx + PLOT_CHROME_PX} format={format} area={props.area} />}
      </div>
    </figure>
  );
});
