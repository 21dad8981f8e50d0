import type { AlertRule } from "../../contracts/alerts";
import { autoscaleSettings } from "../../contracts/autoscale";
import type { CatalogEntry } from "../../contracts/catalog";
import { inRotation, serviceHealth, type Instance } from "../../contracts/instance";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import { auditedTransaction, type Tx } from "../../store/audited-transaction";
import type { ChangeFeed } from "../../store/changes";
import type { Prisma } from "../../store/database";
import type * as Rows from "../../store/generated/client";
import { readRows } from "../../store/row-guard";
import { observe, type AlertSignals, type Observation } from "./conditions";
import { noticeOf, toRule, toSilence } from "./records";
import { silenceFor } from "./silences";
import { advance, type AlertTimes } from "./state-machine";
import { TrafficWindows, type TrafficTotals } from "./traffic-windows";

/** What the evaluator reads of the engine. */
export type AlertSources = {
  instances(): Array<Pick<Instance, "serviceId" | "phase" | "ready" | "ejected">>;
  catalog(): CatalogEntry[];
  /** A service's cumulative traffic since Gantry started. */
  trafficTotals(serviceId: string): TrafficTotals | undefined;
  p95(latency: readonly number[]): number | null;
};

export type EvaluatorOptions = {
  prisma: Prisma;
  feed: ChangeFeed;
  sources: AlertSources;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  /** Told when notifications were written. */
  notify(): void;
};

/** Traffic rules look back at most this far (windowSeconds' bound). */
const LONGEST_WINDOW_MS = 900_000;

type ServiceRow = Pick<Rows.Service, "id" | "name" | "external" | "replicas" | "autoscale" | "autoscalePausedAt">;

const timesOf = (row: Rows.Alert | undefined): AlertTimes | undefined =>
  row && { state: row.state as AlertTimes["state"], activeAt: row.activeAt.getTime(), firedAt: row.firedAt?.getTime() ?? null, resolvedAt: row.resolvedAt?.getTime() ?? null };

const date = (ms: number | null) => (ms === null ? null : new Date(ms));
const sameField = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

/**
 * Every `intervalMs`: evaluates each enabled rule against the engine's view, moves each alert
 * through its states (state-machine.ts), and writes the alerts, their events and their
 * notifications (the outbox) in one transaction — so a transition is notified exactly when it is
 * recorded, and a restart resumes from the stored states instead of firing again.
 */
export class AlertEvaluator {
  private readonly windows = new TrafficWindows();
  private loop: Loop | undefined;

  constructor(private readonly options: EvaluatorOptions) {}

  start(): void {
    this.loop = every(this.options.clock, this.options.intervalMs, "alert evaluation", this.options.log, () => this.evaluate());
  }

  stop(): void {
    this.loop?.stop();
  }

  /** One evaluation (public so tests drive it). */
  async evaluate(): Promise<void> {
    const { prisma, feed, clock } = this.options;
    const now = clock.now();
    const [ruleRows, silenceRows, alertRows, serviceRows, receivers] = await Promise.all([
      prisma.alertRule.findMany({ orderBy: { name: "asc" } }),
      prisma.alertSilence.findMany({ where: { endsAt: { gt: new Date(now) } } }),
      prisma.alert.findMany(),
      prisma.service.findMany({ where: { deletedAt: null }, select: { id: true, name: true, external: true, replicas: true, autoscale: true, autoscalePausedAt: true } }),
      prisma.alertReceiver.findMany({ where: { enabled: true }, select: { id: true } }),
    ]);
    const rules = readRows(feed, "AlertRule", ruleRows, toRule, (row) => row.name).filter((rule) => rule.enabled);
    const silences = silenceRows.map(toSilence);
    const signals = await this.signals(serviceRows, rules, now);

    const stored = new Map(alertRows.map((row) => [row.id, row]));
    /** `late`: a firing told only now, its silence over (no new event: the firing was recorded when it happened). */
    const writes: Array<{ row: Rows.Alert; transition: "firing" | "resolved" | undefined; dropped: boolean; late?: boolean }> = [];
    const seen = new Set<string>();
    for (const rule of rules) {
      for (const observation of observe(rule, signals)) {
        const id = `${rule.id}/${observation.subject}`;
        seen.add(id);
        const step = advance(timesOf(stored.get(id)), observation.holds, rule.forSeconds * 1000, now);
        const write = this.written(stored.get(id), id, rule, observation, step.next);
        if (write) writes.push({ ...write, transition: step.transition });
      }
    }
    // Alerts nothing observed any more (their service, check or rule is gone, or the rule is off): the condition no longer holds.
    for (const row of alertRows) {
      if (seen.has(row.id)) continue;
      const step = advance(timesOf(row), false, 0, now);
      const next = step.next && { ...row, ...times(step.next) };
      if (!next) writes.push({ row, transition: undefined, dropped: true });
      else if (step.transition) writes.push({ row: next, transition: step.transition, dropped: false });
    }
    // Firing alerts whose silence ended before anyone was told: told now.
    for (const row of alertRows) {
      if (row.state === "firing" && !row.notified && !writes.some((w) => w.row.id === row.id) && !silenceFor(row, silences, now)) writes.push({ row, transition: "firing", dropped: false, late: true });
    }
    if (writes.length === 0) return;

    let queued = 0;
    await auditedTransaction(prisma, feed, "system", async (tx, record) => {
      for (const { row, transition, dropped, late } of writes) {
        if (dropped) {
          await tx.alert.deleteMany({ where: { id: row.id } });
          continue;
        }
        let notified = row.notified;
        if (transition === "firing" && !silenceFor(row, silences, now)) {
          queued += await enqueue(tx, receivers, noticeOf(row, "firing"), now);
          notified = true;
        }
        if (transition === "resolved" && row.notified) queued += await enqueue(tx, receivers, noticeOf(row, "resolved"), now);
        const data = { ...row, notified: transition === "resolved" ? false : notified };
        await tx.alert.upsert({ where: { id: row.id }, create: data, update: data });
        if (transition && !late) {
          await record.event({
            kind: `alert.${transition}`,
            message: `${transition === "firing" ? "alert firing" : "alert resolved"}: ${row.ruleName} — ${row.summary}`,
            serviceId: row.serviceId ?? undefined,
            serviceName: row.serviceName ?? undefined,
            data: { alert: row.id, rule: row.ruleName, severity: row.severity },
          });
        }
      }
    });
    if (queued > 0) this.options.notify();
  }

  /** The row to write for an alert's next state, or undefined when nothing about it changed. */
  private written(current: Rows.Alert | undefined, id: string, rule: AlertRule, observation: Observation, next: AlertTimes | undefined) {
    if (!next) return current ? { row: current, dropped: true } : undefined;
    // A resolved alert keeps the figures it resolved with.
    const figures = next.state === "resolved" && current?.state === "resolved" ? { summary: current.summary, value: current.value } : { summary: observation.summary, value: observation.value };
    const row: Rows.Alert = {
      id,
      ruleId: rule.id,
      ruleName: rule.name,
      severity: rule.severity,
      serviceId: observation.serviceId,
      serviceName: observation.serviceName,
      subject: observation.subject,
      ...figures,
      ...times(next),
      notified: current?.notified ?? false,
    };
    const same = current && (Object.keys(row) as Array<keyof Rows.Alert>).every((key) => sameField(row[key], current[key]));
    return same ? undefined : { row, dropped: false };
  }

  private async signals(services: Array<ServiceRow>, rules: AlertRule[], now: number): Promise<AlertSignals> {
    const { sources, prisma } = this.options;
    const instances = sources.instances();
    const keys = new Set<string>();
    for (const service of services) {
      const totals = sources.trafficTotals(service.id);
      keys.add(service.id);
      if (totals) this.windows.record(service.id, now, totals, LONGEST_WINDOW_MS);
    }
    this.windows.retain(keys);
    const restartWindows = [...new Set(rules.flatMap((rule) => (rule.kind === "restarts" ? [rule.windowMinutes] : [])))];
    const restarts = new Map<number, Map<string, number>>();
    for (const minutes of restartWindows) {
      const counts = await prisma.event.groupBy({ by: ["serviceId"], where: { kind: "instance.crashloop", at: { gte: new Date(now - minutes * 60_000) } }, _count: { _all: true } });
      restarts.set(minutes, new Map(counts.flatMap((c) => (c.serviceId ? [[c.serviceId, c._count._all] as const] : []))));
    }
    const external = new Map(services.filter((s) => s.external).map((s) => [s.id, s.name]));
    const catalog = sources.catalog();
    return {
      services: services.map((service) => {
        const own = instances.filter((i) => i.serviceId === service.id);
        const endpoints = catalog.filter((e) => e.serviceId === service.id && e.external);
        const ready = service.external ? endpoints.filter((e) => e.checks.every((c) => c.status !== "critical")).length : own.filter(inRotation).length;
        const autoscale = service.autoscale === null ? undefined : autoscaleSettings.safeParse(service.autoscale).data;
        return {
          id: service.id,
          name: service.name,
          external: service.external,
          health: serviceHealth(service.replicas, own),
          ready,
          wanted: service.external ? endpoints.length : service.replicas,
          autoscale: autoscale ? { maxReplicas: autoscale.maxReplicas, paused: service.autoscalePausedAt !== null } : null,
        };
      }),
      traffic: (serviceId, seconds) => this.windows.delta(serviceId, seconds * 1000),
      restarts: (serviceId, minutes) => restarts.get(minutes)?.get(serviceId) ?? 0,
      checks: catalog.flatMap((entry) =>
        external.has(entry.serviceId)
          ? entry.checks.map((check) => ({ serviceId: entry.serviceId, serviceName: entry.serviceName, endpointId: entry.id, checkId: check.id, checkName: check.name, status: check.status, output: check.output }))
          : [],
      ),
      p95: sources.p95,
    };
  }
}

const times = (next: AlertTimes) => ({ state: next.state, activeAt: new Date(next.activeAt), firedAt: date(next.firedAt), resolvedAt: date(next.resolvedAt) });

/** One outbox row per enabled receiver; a repeat of the same key for the same receiver is ignored. */
async function enqueue(tx: Tx, receivers: Array<{ id: string }>, notice: ReturnType<typeof noticeOf>, now: number): Promise<number> {
  if (receivers.length === 0) return 0;
  const { count } = await tx.alertNotification.createMany({
    data: receivers.map((receiver) => ({ receiverId: receiver.id, idempotencyKey: notice.idempotencyKey, payload: notice, nextAttemptAt: new Date(now), createdAt: new Date(now) })),
    skipDuplicates: true,
  });
  return count;
}
