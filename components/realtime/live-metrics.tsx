"use client";

import { createContext, useCallback, useContext, type ReactNode } from "react";
import type { MetricPoint, SeriesKey } from "@/server/contracts/metrics";
import type { MetricsDelta, MetricsOverview } from "@/server/contracts/realtime";
import { useTopic } from "./hooks";

/** The last minute of every service and edge, at 1 s: sparklines, edge labels, overview tiles. */
export type RecentSeries = Record<SeriesKey, MetricPoint[]>;

const WINDOW_MS = 60_000;

export function appendRecent(state: RecentSeries, delta: MetricsDelta, windowMs = WINDOW_MS): RecentSeries {
  const since = delta.at - windowMs;
  const next: RecentSeries = {};
  for (const [key, points] of Object.entries(state)) {
    const kept = points[0] && points[0].at < since ? points.filter((p) => p.at >= since) : points;
    if (kept.length > 0 || delta.points[key]) next[key] = kept;
  }
  for (const [key, point] of Object.entries(delta.points)) next[key] = [...(next[key] ?? []), point];
  return next;
}

const RecentContext = createContext<RecentSeries | undefined>(undefined);

/** One subscription to the metrics overview for everything below it. */
export function LiveMetricsProvider({ children }: { children: ReactNode }) {
  const recent = useTopic(
    "metrics",
    useCallback((snapshot: MetricsOverview) => snapshot.series, []),
    useCallback((state: RecentSeries, delta: MetricsDelta) => appendRecent(state, delta), []),
  );
  return <RecentContext.Provider value={recent}>{children}</RecentContext.Provider>;
}

const none: MetricPoint[] = [];

/** A series' last minute (empty until the first snapshot or without data). */
export function useRecentSeries(key: SeriesKey): MetricPoint[] {
  return useContext(RecentContext)?.[key] ?? none;
}

/** Whether the overview has arrived yet. */
export const useRecentLoaded = () => useContext(RecentContext) !== undefined;
