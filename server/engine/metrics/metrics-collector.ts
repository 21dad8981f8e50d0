import { monitorEventLoopDelay } from "node:perf_hooks";
import { metricWindows, type MetricPoint, type MetricWindow, type SeriesKey, type SeriesResult } from "../../contracts/metrics";
import type { Clock } from "../../lib/clock";
import { Feed } from "../../lib/feed";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import { connectionCounterNames, copyCounters, newConnectionCounters, newCounters } from "../proxy/counters";
import { statusClasses, type ConnectionCounters, type DataPlaneStats, type TrafficCounters } from "../proxy/types";
import type { InstanceView } from "../supervisor/instance-view";
import { quantileMs } from "./quantile";
import { TimeRing } from "./time-ring";

const SECOND_POINTS = 15 * 60; // 1 s × 15 min
const MINUTE_POINTS = 24 * 60; // 1 min × 24 h
const SECONDS_SPAN_MS = SECOND_POINTS * 1000;
const MINUTES_SPAN_MS = MINUTE_POINTS * 60_000;

export type Rollup = { series: SeriesKey; at: number; point: MetricPoint };

/** What the collector reads each second, and where minute rollups go. */
export type MetricsSources = {
  stats(): Promise<DataPlaneStats>;
  instances(): InstanceView[];
  saveRollups(rollups: Rollup[]): Promise<void>;
};

export type MetricsTick = { at: number; points: Record<SeriesKey, MetricPoint> };

/** What a traffic series counted in one interval: the raw material of minute rollups. */
type IntervalCounts = { requests: number; errors: number; buckets: number[]; connections: ConnectionCounters | null };

/** A minute being summed up from its seconds. */
type MinuteAccumulator = {
  start: number;
  requests: number;
  errors: number;
  buckets: number[];
  /** Summed over the minute (`open`: the most), null while the series carried no connection. */
  connections: ConnectionCounters | null;
  seconds: number;
  inFlight: number;
  cpu: number;
  memory: number;
  ready: number;
  lag: number;
  samples: number;
};

const sum = (c: TrafficCounters) => statusClasses.reduce((n, k) => n + c.requests[k], 0);

/** The traffic series a data plane reading feeds: per service, per instance, per dependency edge. */
function trafficSeries(stats: DataPlaneStats): Array<[SeriesKey, TrafficCounters]> {
  return [
    ...stats.services.map((s): [SeriesKey, TrafficCounters] => [`service:${s.serviceId}`, s.counters]),
    ...stats.endpoints.map((e): [SeriesKey, TrafficCounters] => [`instance:${e.instanceId}`, e.counters]),
    ...stats.listeners.flatMap((l): Array<[SeriesKey, TrafficCounters]> => (l.listener.kind === "edge" ? [[`edge:${l.listener.edgeId}`, l.counters]] : [])),
  ];
}

/**
 * Turns the data plane's counters, instances' usage and Gantry's own health into per-second points
 * (service, instance, edge, gantry series) kept in rings of 15 minutes at 1 s and 24 hours at 1 min;
 * minute points are also persisted. Keeps monotonic totals for the Prometheus exposition.
 */
export class MetricsCollector {
  /** Cumulative counters since Gantry started, per traffic series (the data plane's own may restart). */
  readonly totals = new Map<SeriesKey, TrafficCounters>();
  private readonly previous = new Map<SeriesKey, TrafficCounters>();
  private readonly seconds = new Map<SeriesKey, TimeRing>();
  private readonly minutes = new Map<SeriesKey, TimeRing>();
  private readonly accumulators = new Map<SeriesKey, MinuteAccumulator>();
  private readonly ticks: Feed<MetricsTick>;
  /** Which service each instance seen in traffic belongs to (kept after it stops, for its totals). */
  private readonly instanceServices = new Map<string, string>();
  private readonly lag = monitorEventLoopDelay({ resolution: 20 });
  private lastAt = 0;
  private loop: Loop | undefined;
  private stopped = false;

  constructor(
    private readonly sources: MetricsSources,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.ticks = new Feed("metrics ticks", log);
  }

  /**
   * Counts traffic from now on: the data plane's counters run since it started, which may be
   * long before this Gantry (it outlives Gantry's restarts); that history is not this second's.
   */
  async start(): Promise<void> {
    const baseline = await this.sources.stats();
    if (this.stopped) return;
    for (const [key, counters] of trafficSeries(baseline)) this.previous.set(key, copyCounters(counters));
    this.lag.enable();
    this.lastAt = this.clock.now();
    // On the second, so points are one second apart and charts of different series line up.
    this.loop = every(this.clock, 1000, "metrics collection", this.log, () => this.tick(), { aligned: true });
  }

  stop(): void {
    this.stopped = true;
    this.loop?.stop();
    this.lag.disable();
  }

  subscribe(listener: (tick: MetricsTick) => void): () => void {
    return this.ticks.subscribe(listener);
  }

  /**
   * Minute points loaded from the store, so charts survive a restart: put back before any minute
   * collected since the start (restoring runs after it: a day of minutes of many series is not worth
   * delaying the start for).
   */
  restore(rollups: Rollup[]): void {
    const saved = new Map<SeriesKey, MetricPoint[]>();
    for (const { series, at, point } of rollups.sort((a, b) => a.at - b.at)) {
      const points = saved.get(series) ?? [];
      points.push({ ...point, at });
      saved.set(series, points);
    }
    for (const [series, points] of saved) {
      const live = this.minutes.get(series)?.since(-Infinity) ?? [];
      const merged = new TimeRing(MINUTE_POINTS);
      for (const point of points) if (point.at < (live[0]?.at ?? Infinity)) merged.push(point);
      for (const point of live) merged.push(point);
      this.minutes.set(series, merged);
    }
  }

  series(keys: SeriesKey[], window: MetricWindow): SeriesResult {
    const span = metricWindows[window];
    const fine = span <= 15 * 60_000;
    const since = this.clock.now() - span;
    const rings = fine ? this.seconds : this.minutes;
    return { window, resolutionMs: fine ? 1000 : 60_000, series: Object.fromEntries(keys.map((key) => [key, rings.get(key)?.since(since) ?? []])) };
  }

  /** A series' point at a past moment: its second within the last 15 minutes, else its minute. */
  pointAt(key: SeriesKey, at: number): MetricPoint | undefined {
    const second = at >= this.clock.now() - SECONDS_SPAN_MS ? this.seconds.get(key)?.pointAt(at, 1000) : undefined;
    return second ?? this.minutes.get(key)?.pointAt(at, 60_000);
  }

  serviceOf(instanceId: string): string | undefined {
    return this.instanceServices.get(instanceId);
  }

  /** The newest second of a series. */
  latest(key: SeriesKey): MetricPoint | undefined {
    return this.seconds.get(key)?.last;
  }

  /** One collection: public so tests can drive it without waiting. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const at = Math.floor(now / 1000) * 1000;
    const interval = Math.max(0.001, (now - this.lastAt) / 1000);
    this.lastAt = now;
    const stats = await this.sources.stats();
    const points: Record<SeriesKey, MetricPoint> = {};
    const counts = new Map<SeriesKey, IntervalCounts>();
    const traffic = (key: SeriesKey, counters: TrafficCounters) => {
      const { point, interval: observed } = this.trafficPoint(key, counters, interval);
      points[key] = { at, ...point };
      counts.set(key, observed);
    };
    for (const e of stats.endpoints) this.instanceServices.set(e.instanceId, e.serviceId);
    for (const [key, counters] of trafficSeries(stats)) traffic(key, counters);

    const readyByService = new Map<string, number>();
    for (const instance of this.sources.instances()) {
      const point = (points[`instance:${instance.id}`] ??= { at });
      point.ready = instance.ready ? 1 : 0;
      if (instance.usage && instance.runtime !== null) {
        point.cpuPercent = instance.usage.cpuPercent;
        point.memoryBytes = instance.usage.memoryBytes;
      }
      const service = (points[`service:${instance.serviceId}`] ??= { at });
      service.ready = (service.ready ?? 0) + (instance.ready ? 1 : 0);
      service.cpuPercent = (service.cpuPercent ?? 0) + (point.cpuPercent ?? 0);
      service.memoryBytes = (service.memoryBytes ?? 0) + (point.memoryBytes ?? 0);
      readyByService.set(instance.serviceId, service.ready);
    }
    points.gantry = { at, loopLagMs: this.lag.percentile(99) / 1e6, memoryBytes: process.memoryUsage().rss };
    this.lag.reset();

    const finished: Rollup[] = [];
    for (const [key, point] of Object.entries(points)) {
      ring(this.seconds, key, SECOND_POINTS).push(point);
      const done = this.accumulate(key, point, counts.get(key));
      if (done) finished.push(done);
    }
    if (at % 60_000 === 0) finished.push(...this.forget(at, points));
    if (finished.length > 0) void this.sources.saveRollups(finished).catch((err: unknown) => this.log.warn({ err }, "saving metric rollups failed"));
    this.ticks.publish({ at, points });
  }

  /**
   * Series that stopped reporting (their service, instance or edge is gone): a minute left half
   * summed is finished; rings, counters and totals go once nothing of them is left in any window,
   * so services and instances coming and going don't grow memory.
   */
  private forget(now: number, reporting: Record<SeriesKey, MetricPoint>): Rollup[] {
    const finished: Rollup[] = [];
    for (const [key, acc] of this.accumulators) {
      if (key in reporting) continue;
      const point = minutePoint(acc);
      ring(this.minutes, key, MINUTE_POINTS).push(point);
      finished.push({ series: key, at: acc.start, point });
      this.accumulators.delete(key);
    }
    for (const [key, seconds] of this.seconds) if ((seconds.last?.at ?? 0) < now - SECONDS_SPAN_MS) this.seconds.delete(key);
    for (const [key, minutes] of this.minutes) if ((minutes.last?.at ?? 0) < now - MINUTES_SPAN_MS) this.minutes.delete(key);
    for (const key of [...this.previous.keys()]) {
      if (this.seconds.has(key) || this.minutes.has(key)) continue;
      this.previous.delete(key);
      this.totals.delete(key);
      if (key.startsWith("instance:")) this.instanceServices.delete(key.slice("instance:".length));
    }
    return finished;
  }

  /** How many series it holds anything of (tests: memory follows what is alive, not what ever was). */
  seriesHeld(): number {
    return new Set([...this.seconds.keys(), ...this.minutes.keys(), ...this.totals.keys(), ...this.accumulators.keys()]).size;
  }

  private trafficPoint(key: SeriesKey, counters: TrafficCounters, interval: number): { point: Omit<MetricPoint, "at">; interval: IntervalCounts } {
    const before = this.previous.get(key) ?? newCounters();
    // Counters below the last reading: the data plane restarted; count from zero.
    const reset = sum(counters) < sum(before) || (counters.connections?.total ?? 0) < before.connections.total;
    const base = reset ? newCounters() : before;
    const delta = newCounters();
    for (const k of statusClasses) delta.requests[k] = counters.requests[k] - base.requests[k];
    delta.latency = counters.latency.map((n, i) => n - (base.latency[i] ?? 0));
    delta.latencySum = counters.latencySum - base.latencySum;
    this.previous.set(key, copyCounters(counters));
    const total = this.totals.get(key) ?? newCounters();
    for (const k of statusClasses) total.requests[k] += delta.requests[k];
    total.latency = total.latency.map((n, i) => n + (delta.latency[i] ?? 0));
    total.latencySum += delta.latencySum;
    total.inFlight = counters.inFlight;
    for (const name of connectionCounterNames) {
      const now = counters.connections?.[name] ?? 0;
      // `open` is a gauge; the others count up.
      delta.connections[name] = name === "open" ? now : now - base.connections[name];
      total.connections[name] = name === "open" ? now : total.connections[name] + delta.connections[name];
    }
    this.totals.set(key, total);

    const requests = sum(delta);
    // Connection fields only on series of `tcp` listeners: HTTP points stay as small as they were.
    const tcp = total.connections.total + total.connections.connectErrors > 0;
    return {
      point: {
        rps: requests / interval,
        errorRate: requests > 0 ? (delta.requests["5xx"] / requests) * 100 : 0,
        p50: quantileMs(delta.latency, 0.5),
        p95: quantileMs(delta.latency, 0.95),
        p99: quantileMs(delta.latency, 0.99),
        inFlight: counters.inFlight,
        ...(tcp ? connectionFields(delta.connections, interval) : {}),
      },
      interval: { requests, errors: delta.requests["5xx"], buckets: delta.latency, connections: tcp ? delta.connections : null },
    };
  }

  /** Adds a second to its minute; returns the finished minute's point when the minute rolls over. */
  private accumulate(key: SeriesKey, point: MetricPoint, counts: IntervalCounts | undefined): Rollup | undefined {
    const minute = Math.floor(point.at / 60_000) * 60_000;
    let acc = this.accumulators.get(key);
    let done: Rollup | undefined;
    if (acc && acc.start !== minute) {
      done = { series: key, at: acc.start, point: minutePoint(acc) };
      ring(this.minutes, key, MINUTE_POINTS).push({ ...done.point, at: acc.start });
      acc = undefined;
    }
    acc ??= { start: minute, requests: 0, errors: 0, buckets: [], connections: null, seconds: 0, inFlight: 0, cpu: 0, memory: 0, ready: 0, lag: 0, samples: 0 };
    acc.seconds++;
    acc.requests += counts?.requests ?? 0;
    acc.errors += counts?.errors ?? 0;
    counts?.buckets.forEach((n, i) => (acc!.buckets[i] = (acc!.buckets[i] ?? 0) + n));
    if (counts?.connections) {
      const into = (acc.connections ??= newConnectionCounters());
      for (const name of connectionCounterNames) into[name] = name === "open" ? Math.max(into.open, counts.connections.open) : into[name] + counts.connections[name];
    }
    acc.inFlight = Math.max(acc.inFlight, point.inFlight ?? 0);
    acc.cpu += point.cpuPercent ?? 0;
    acc.memory = Math.max(acc.memory, point.memoryBytes ?? 0);
    acc.ready = point.ready ?? acc.ready;
    acc.lag = Math.max(acc.lag, point.loopLagMs ?? 0);
    acc.samples++;
    this.accumulators.set(key, acc);
    return done;
  }
}

function minutePoint(acc: MinuteAccumulator): MetricPoint {
  return {
    at: acc.start,
    rps: acc.requests / Math.max(1, acc.seconds),
    errorRate: acc.requests > 0 ? (acc.errors / acc.requests) * 100 : 0,
    p50: quantileMs(acc.buckets, 0.5),
    p95: quantileMs(acc.buckets, 0.95),
    p99: quantileMs(acc.buckets, 0.99),
    inFlight: acc.inFlight,
    ...(acc.connections ? connectionFields(acc.connections, Math.max(1, acc.seconds)) : {}),
    cpuPercent: acc.cpu / Math.max(1, acc.samples),
    memoryBytes: acc.memory,
    ready: acc.ready,
    loopLagMs: acc.lag,
  };
}

function connectionFields(counts: ConnectionCounters, seconds: number): Partial<MetricPoint> {
  return {
    cps: counts.total / seconds,
    openConnections: counts.open,
    bytesInPerSecond: counts.bytesIn / seconds,
    bytesOutPerSecond: counts.bytesOut / seconds,
    connectErrorsPerSecond: counts.connectErrors / seconds,
  };
}

function ring(rings: Map<SeriesKey, TimeRing>, key: SeriesKey, capacity: number): TimeRing {
  let found = rings.get(key);
  if (!found) rings.set(key, (found = new TimeRing(capacity)));
  return found;
}
