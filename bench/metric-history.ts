import type { MetricPoint, SeriesKey } from "../server/contracts/metrics";
import { openDatabase } from "../server/store/database";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type HistoryPlan = {
  /** The service's series and each instance's. */
  service: SeriesKey;
  instances: SeriesKey[];
  /** Requests a second the whole service served. */
  rate: number;
  /** Minutes stop before this (the minutes after it are the running Gantry's own). */
  until: number;
  /** A stretch with no points at all: Gantry was down. */
  outage: { from: number; to: number };
};

/** A day's wave with a little noise and a latency spike every 97 minutes: something for charts to draw. */
function minutePoint(at: number, share: number, plan: HistoryPlan, instance: boolean): MetricPoint {
  const wave = 0.75 + 0.25 * Math.sin((at / DAY) * 2 * Math.PI) + 0.05 * Math.sin(at / 7_000_000);
  const spike = Math.floor(at / MINUTE) % 97 === 0 ? 8 : 1;
  return {
    at,
    rps: plan.rate * share * wave,
    errorRate: 0.2 * wave,
    p50: 2 * wave,
    p95: 8 * wave * spike,
    p99: 20 * wave * spike,
    inFlight: Math.ceil(share * 4),
    cpuPercent: (instance ? 3 : 60) * wave,
    memoryBytes: (instance ? 48 : 960) * 2 ** 20,
    ready: instance ? 1 : 1 / share,
  };
}

/**
 * Writes a day of minute rollups straight into a stopped Gantry's store, as if it had been
 * collecting them: a fresh Gantry has no history, and the 1 h and 24 h charts would draw nothing.
 */
export async function seedMinuteHistory(dataDir: string, plan: HistoryPlan): Promise<number> {
  const database = await openDatabase(undefined, dataDir);
  try {
    const share = 1 / plan.instances.length;
    const rows = [];
    for (let at = Math.floor((plan.until - DAY) / MINUTE) * MINUTE; at < plan.until; at += MINUTE) {
      if (at >= plan.outage.from && at < plan.outage.to) continue;
      rows.push({ series: plan.service, at: new Date(at), point: minutePoint(at, 1, plan, false) });
      for (const key of plan.instances) rows.push({ series: key, at: new Date(at), point: minutePoint(at, share, plan, true) });
    }
    for (let i = 0; i < rows.length; i += 5000) await database.prisma.metricRollup.createMany({ data: rows.slice(i, i + 5000), skipDuplicates: true });
    return rows.length;
  } finally {
    await database.close();
  }
}
