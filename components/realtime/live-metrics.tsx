"use client";

import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { MetricPoint, SeriesKey } from "@/server/contracts/metrics";
import type { MetricsDelta } from "@/server/contracts/realtime";
import { realtime } from "./connection";

/** The last minute of every service and edge, at 1 s: sparklines, edge labels, overview tiles. */
export type RecentSeries = Record<SeriesKey, MetricPoint[]>;

const WINDOW_MS = 60_000;

/** The series with `delta` appended and points older than the window dropped; an untouched series keeps its array. */
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

/**
 * The recent series with a subscription per series: a tick re-renders only the views whose series
 * it changed (and, through `useRecentView`, only those whose drawing it changed), not every node
 * and edge of a 1,000-service canvas through one context value.
 */
export class RecentSeriesStore {
  private series: RecentSeries = {};
  private readonly listeners = new Map<SeriesKey, Set<() => void>>();
  private readonly everyChange = new Set<() => void>();

  get(key: SeriesKey): MetricPoint[] | undefined {
    return this.series[key];
  }

  subscribe(key: SeriesKey, listener: () => void): () => void {
    const set = this.listeners.get(key) ?? new Set();
    this.listeners.set(key, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Called once per change of any series: for a view drawing all of them at once. */
  subscribeAll(listener: () => void): () => void {
    this.everyChange.add(listener);
    return () => this.everyChange.delete(listener);
  }

  /** A fresh snapshot: every series may have changed. */
  reset(series: RecentSeries): void {
    this.replace(series);
  }

  append(delta: MetricsDelta): void {
    this.replace(appendRecent(this.series, delta));
  }

  private replace(next: RecentSeries): void {
    const previous = this.series;
    this.series = next;
    for (const [key, listeners] of this.listeners) if (previous[key] !== next[key]) for (const listener of listeners) listener();
    for (const listener of this.everyChange) listener();
  }
}

const RecentContext = createContext<RecentSeriesStore | undefined>(undefined);

/** One subscription to the metrics overview for everything below it. */
export function LiveMetricsProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new RecentSeriesStore());
  useEffect(() => realtime().subscribe("metrics", { snapshot: (snapshot) => store.reset(snapshot.series), delta: (delta) => store.append(delta) }), [store]);
  return <RecentContext.Provider value={store}>{children}</RecentContext.Provider>;
}

/** The recent series of everything below LiveMetricsProvider (undefined outside one). */
export const useRecentSeriesStore = () => useContext(RecentContext);

const none: MetricPoint[] = [];
const noop = () => {};

/**
 * What a view draws from one series' last minute (empty until the first snapshot or without data).
 * The component re-renders only when `equal` says the view changed: an idle edge whose label would
 * read the same is left alone when its series gains another zero.
 */
export function useRecentView<V>(key: SeriesKey, view: (points: MetricPoint[]) => V, equal: (a: V, b: V) => boolean): V {
  const store = useRecentSeriesStore();
  const cache = useRef<{ points: MetricPoint[]; value: V } | undefined>(undefined);
  const select = () => {
    const points = store?.get(key) ?? none;
    const cached = cache.current;
    if (cached?.points === points) return cached.value;
    const fresh = view(points);
    const value = cached && equal(cached.value, fresh) ? cached.value : fresh;
    cache.current = { points, value };
    return value;
  };
  const subscribe = useCallback((listener: () => void) => store?.subscribe(key, listener) ?? noop, [store, key]);
  return useSyncExternalStore(subscribe, select, select);
}

const samePoints = (a: MetricPoint[], b: MetricPoint[]) => a === b;
const allPoints = (points: MetricPoint[]) => points;

/** A series' last minute (empty until the first snapshot or without data). */
export function useRecentSeries(key: SeriesKey): MetricPoint[] {
  return useRecentView(key, allPoints, samePoints);
}
