import type { AutoscaleMetric, AutoscaleSample, AutoscaleStatus } from "../contracts/autoscale";
import type { MetricPoint, SeriesResult } from "../contracts/metrics";
import type { Service } from "../contracts/service";
import { explain, leadProposal, memoryAfterRestart, recordScale, sync, type AutoscalerMemory, type Decision } from "../engine/autoscaler/hpa";
import { AppError, notFound } from "../lib/app-error";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { every, type Loop } from "../lib/loop";
import { auditedTransaction } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import { toService } from "../store/records";

/** The chart's history per service: 15 minutes of syncs (at 1 s, the shortest period). */
const SAMPLES_KEPT = 900;

export type AutoscalerDeps = {
  prisma: Prisma;
  feed: ChangeFeed;
  clock: Clock;
  log: Logger;
  /** GANTRY_AUTOSCALE_SYNC. */
  syncMs: number;
  /** The per-second points Gantry collects (engine.metrics). */
  series(keys: string[], window: "5m"): SeriesResult;
  /** Instances of the service that are ready (its endpoints). */
  readyOf(serviceId: string): number;
};

/**
 * The autoscaling controller: every sync, each autoscaled service's metrics go through the HPA
 * decision (engine/autoscaler/hpa) and a changed count is written as its desired replicas, like
 * the HPA writing a Deployment's scale, with an event that gives the numbers. Its memory
 * (recommendations, recent scales) is in-process as in Kubernetes; after a restart it starts as if
 * the current count had just been recommended, so a restart never shrinks a service early.
 */
export function createAutoscaler({ prisma, feed, clock, log, syncMs, series, readyOf }: AutoscalerDeps) {
  const memories = new Map<string, AutoscalerMemory>();
  const samples = new Map<string, AutoscaleSample[]>();
  const lastDecision = new Map<string, string>();
  /** Each metric is averaged over the last sync period (two points at least, as a second's reading is noisy). */
  const windowMs = Math.max(syncMs, 2000);
  let loop: Loop | undefined;

  /** What the service measured lately, per metric as its target reads it. */
  function readings(serviceId: string, ready: number): Partial<Record<AutoscaleMetric, number>> {
    const since = clock.now() - windowMs;
    const points = (series([`service:${serviceId}`], "5m").series[`service:${serviceId}`] ?? []).filter((p) => p.at >= since);
    if (points.length === 0 || ready === 0) return {};
    const mean = (pick: (p: MetricPoint) => number | null | undefined) => {
      const values = points.flatMap((p) => {
        const value = pick(p);
        return value === null || value === undefined ? [] : [value];
      });
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
    };
    const rps = mean((p) => p.rps ?? 0);
    const cpu = mean((p) => p.cpuPercent);
    const p95 = mean((p) => p.p95);
    return {
      ...(rps !== undefined ? { requestsPerSecond: rps / ready } : {}),
      ...(cpu !== undefined ? { cpuPercent: cpu / ready } : {}),
      ...(p95 !== undefined ? { p95LatencyMs: p95 } : {}),
    };
  }

  function keepSample(serviceId: string, sample: AutoscaleSample): void {
    const kept = samples.get(serviceId) ?? [];
    kept.push(sample);
    if (kept.length > SAMPLES_KEPT) kept.shift();
    samples.set(serviceId, kept);
  }

  /**
   * Writes the new count unless someone changed the service since it was read (a hand scale, a
   * pause, autoscaling turned off): then this sync's decision is stale and nothing is written.
   */
  async function scale(service: Service, decision: Decision): Promise<boolean> {
    const lead = leadProposal(decision);
    return auditedTransaction(prisma, feed, "autoscaler", async (tx, record) => {
      const row = await tx.service.findUnique({ where: { id: service.id } });
      if (!row || row.deletedAt || row.autoscale === null || row.autoscalePausedAt || row.replicas !== decision.current) return false;
      const scaled = toService(await tx.service.update({ where: { id: service.id }, data: { replicas: decision.desired, version: { increment: 1 } } }));
      await record.event({
        kind: "service.autoscaled",
        serviceId: service.id,
        serviceName: service.name,
        message: `autoscaled ${service.name} ${explain(decision)}`,
        data: { from: decision.current, to: decision.desired, ready: decision.ready, metric: lead?.metric ?? null, value: lead?.value ?? null, target: lead?.target ?? null, limitedBy: decision.limitedBy },
      });
      record.topology({ kind: "service.upserted", service: scaled });
      return true;
    });
  }

  async function syncService(service: Service): Promise<void> {
    const settings = service.autoscale!;
    const now = clock.now();
    const ready = readyOf(service.id);
    const metrics = readings(service.id, ready);
    if (service.autoscalePausedAt) {
      // Resumed later, it starts over as after a restart: the hand-set count is where it stands.
      memories.delete(service.id);
      keepSample(service.id, { at: now, wanted: service.replicas, ready, metrics });
      lastDecision.set(service.id, "paused: scaled by hand");
      return;
    }
    const memory = memories.get(service.id) ?? memoryAfterRestart(now, service.replicas);
    const result = sync(settings, memory, { now, current: service.replicas, ready, metrics });
    let next = result.memory;
    const { decision } = result;
    let wanted = service.replicas;
    if (decision.desired !== service.replicas && (await scale(service, decision))) {
      next = recordScale(next, now, service.replicas, decision.desired);
      wanted = decision.desired;
    }
    memories.set(service.id, next);
    keepSample(service.id, { at: now, wanted, ready, metrics });
    lastDecision.set(service.id, explain(decision));
  }

  async function syncAll(): Promise<void> {
    const rows = await prisma.service.findMany({ where: { deletedAt: null, external: false } });
    const autoscaled = new Set<string>();
    for (const row of rows) {
      if (row.autoscale === null) continue;
      autoscaled.add(row.id);
      try {
        await syncService(toService(row));
      } catch (err) {
        log.error({ err, service: row.name }, "autoscaling a service failed; trying again next sync");
      }
    }
    // Autoscaling turned off, or the service gone: what was remembered of it goes too.
    for (const map of [memories, samples, lastDecision]) for (const id of map.keys()) if (!autoscaled.has(id)) map.delete(id);
  }

  return {
    start(): void {
      loop = every(clock, syncMs, "autoscaler", log, syncAll);
    },

    stop(): void {
      loop?.stop();
    },

    /** One sync of every autoscaled service now (tests, benchmarks). */
    syncAll,

    /** The Autoscaling panel: settings, pause, the recent syncs for the chart, and the last decision in words. */
    async status(serviceId: string): Promise<AutoscaleStatus> {
      const row = await prisma.service.findUnique({ where: { id: serviceId } });
      if (!row) throw notFound(`service ${serviceId}`);
      const service = toService(row);
      return { settings: service.autoscale, pausedAt: service.autoscalePausedAt, samples: samples.get(serviceId) ?? [], lastDecision: lastDecision.get(serviceId) ?? null };
    },

    /** Lets the autoscaler decide again after a hand scale paused it. */
    async resume(serviceId: string, actor: string): Promise<Service> {
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const row = await tx.service.findUnique({ where: { id: serviceId } });
        if (!row || row.deletedAt) throw notFound(`service ${serviceId}`);
        if (row.autoscale === null) throw new AppError("BAD_REQUEST", `${row.name} is not autoscaled: set min/max replicas and a target first`);
        if (row.autoscalePausedAt === null) return toService(row);
        const service = toService(await tx.service.update({ where: { id: serviceId }, data: { autoscalePausedAt: null, version: { increment: 1 } } }));
        await record.event({ kind: "service.autoscaling-resumed", serviceId, serviceName: row.name, message: `resumed autoscaling of ${row.name} at ${row.replicas} replica(s)` });
        record.topology({ kind: "service.upserted", service });
        return service;
      });
    },
  };
}

export type Autoscaler = ReturnType<typeof createAutoscaler>;
