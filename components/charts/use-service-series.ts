"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { MetricWindow, SeriesResult } from "@/server/contracts/metrics";
import type { MetricsDelta } from "@/server/contracts/realtime";
import { useTopic } from "../realtime/hooks";
import type { TopicFold } from "../realtime/topic-folds";
import { useTRPC } from "../trpc";
import { appendSeconds, joinMinutes, type Series } from "./series-math";

const SECOND = 1000;
const MINUTE = 60_000;
const MINUTES_REFRESH_MS = 10 * MINUTE;

const serviceSeriesFold: TopicFold<`metrics:${string}`, Series> = {
  fromSnapshot: (snapshot: SeriesResult) => snapshot.series,
  applyDelta: (state: Series, delta: MetricsDelta) => appendSeconds(state, delta),
};

/**
 * A service's series (its own, its instances', its edges') over a window, live: the last 15
 * minutes at 1 s come over the WebSocket; longer windows add the server's minute points, then
 * keep growing from the same live seconds (the minutes are fetched again every 10 minutes, so
 * an inspector left open never shows a gap).
 */
export function useServiceSeries(
  serviceId: string,
  window: MetricWindow,
  keys: string[],
): {
  series: Series | undefined;
  /** The newest point's time. */
  until: number;
  resolutionMs: number;
  /** When the minute points in `series` arrived (0 for windows without them). */
  minutesAt: number;
  error?: string;
} {
  const trpc = useTRPC();
  const live = useTopic(`metrics:${serviceId}`, serviceSeriesFold);
  const long = window === "1h" || window === "24h";
  const minutes = useQuery({
    ...trpc.metrics.series.queryOptions({ keys, window }),
    enabled: long && keys.length > 0,
    // Live seconds only reach 15 minutes back: refresh the minutes before that gap could open.
    staleTime: MINUTES_REFRESH_MS,
    refetchInterval: MINUTES_REFRESH_MS,
    refetchOnWindowFocus: false,
    // A new instance changes the keys: keep drawing the old ones until the new answer is in.
    placeholderData: keepPreviousData,
  });
  const lastAt = live ? Math.max(0, ...Object.values(live).map((points) => points.at(-1)?.at ?? 0)) : 0;
  const until = lastAt || Date.now();

  const series = useMemo(() => {
    if (!live) return undefined;
    if (!long) return live;
    if (!minutes.data) return undefined;
    return Object.fromEntries(keys.map((key) => [key, joinMinutes(minutes.data.series[key] ?? [], live[key] ?? [])]));
  }, [live, long, minutes.data, keys]);
  return { series, until, resolutionMs: long ? MINUTE : SECOND, minutesAt: long ? minutes.dataUpdatedAt : 0, error: minutes.error?.message };
}
