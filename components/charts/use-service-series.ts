"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { metricWindows, type MetricWindow, type SeriesResult } from "@/server/contracts/metrics";
import type { MetricsDelta } from "@/server/contracts/realtime";
import { useTopic } from "../realtime/hooks";
import { useTRPC } from "../trpc";
import { appendSeconds, joinMinutes, type Series } from "./series-math";

/**
 * A service's series (its own, its instances', its edges') over a window, live: the last 15
 * minutes at 1 s come over the WebSocket; longer windows add the server's minute points once,
 * then keep growing from the same live seconds. No polling.
 */
export function useServiceSeries(serviceId: string, window: MetricWindow, keys: string[]): { series: Series | undefined; since: number; error?: string } {
  const trpc = useTRPC();
  const live = useTopic(
    `metrics:${serviceId}`,
    useCallback((snapshot: SeriesResult) => snapshot.series, []),
    useCallback((state: Series, delta: MetricsDelta) => appendSeconds(state, delta), []),
  );
  const long = window === "1h" || window === "24h";
  const minutes = useQuery({
    ...trpc.metrics.series.queryOptions({ keys, window }),
    enabled: long && keys.length > 0,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const lastAt = live ? Math.max(0, ...Object.values(live).map((points) => points.at(-1)?.at ?? 0)) : 0;
  const since = (lastAt || Date.now()) - metricWindows[window];

  const series = useMemo(() => {
    if (!live) return undefined;
    if (!long) return live;
    if (!minutes.data) return undefined;
    return Object.fromEntries(keys.map((key) => [key, joinMinutes(minutes.data.series[key] ?? [], live[key] ?? [])]));
  }, [live, long, minutes.data, keys]);
  return { series, since, error: minutes.error?.message };
}
