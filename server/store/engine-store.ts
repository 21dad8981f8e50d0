import { instancePhases, runtimeDetails, type InstancePhase } from "../contracts/instance";
import type { MetricPoint } from "../contracts/metrics";
import { z } from "zod";
import { namedRecord } from "../contracts/keys";
import { storedChecks } from "../contracts/registration";
import { deletionRecord } from "../contracts/timeline";
import { instanceTemplate } from "../contracts/service";
import type { EngineStore, InstanceRecord } from "../engine";
import type { Rollouts } from "../services/rollouts";
import { auditedTransaction } from "./audited-transaction";
import type { ChangeFeed } from "./changes";
import type { Prisma } from "./database";
import { Prisma as Rows } from "./generated/client";
import { toEvent, toService, toTrackedRollout } from "./records";
import type { SecretBox } from "../lib/secret-box";
import { readRow, readRows } from "./row-guard";
import { openSecrets, tryOpenSecrets } from "./secret-env";

/** A stored metric point: an object of numbers (or nulls, for percentiles without requests). */
const storedPoint = z.record(z.string(), z.number().nullable());

const asPhase = (phase: string): InstancePhase => ((instancePhases as readonly string[]).includes(phase) ? (phase as InstancePhase) : "Pending");

/** The engine's persistence port on Prisma. Engine events are published like any other change. */
export function createEngineStore(prisma: Prisma, feed: ChangeFeed, secrets: SecretBox, rollouts: Pick<Rollouts, "progressed" | "succeeded" | "stalled" | "clusterReported">): EngineStore {
  return {
    rolloutProgressed: rollouts.progressed,
    rolloutSucceeded: rollouts.succeeded,
    rolloutStalled: rollouts.stalled,
    rolloutClusterStatus: rollouts.clusterReported,

    async desiredService(id) {
      const row = await prisma.service.findUnique({
        where: { id },
        include: { rollouts: { orderBy: { startedAt: "desc" }, take: 1 } },
      });
      if (!row) return undefined;
      // Unreadable: the engine leaves the service's instances alone (it retries) rather than take it for gone.
      const service = readRow(feed, { table: "Service", id, name: row.name }, () => toService(row));
      if (!service) throw new Error(`service ${row.name} is stored in a form Gantry can't read; its instances are left as they are`);
      const stored = instanceTemplate.parse(row.template);
      // With its secrets unreadable (key changed) a service can still be stopped, scaled to 0 or deleted.
      const template = service.deleting || service.replicas === 0 ? tryOpenSecrets(stored, secrets) : openSecrets(stored, secrets);
      const rollout = toTrackedRollout(row.rollouts[0], service.revision);
      return { id, name: service.name, replicas: service.replicas, revision: service.revision, template, deleting: service.deleting, strategy: service.strategy, rollout };
    },

    async desiredServiceIds() {
      return (await prisma.service.findMany({ select: { id: true } })).map((s) => s.id);
    },

    async revisionTemplate(serviceId, revision) {
      const row = await prisma.revision.findUnique({ where: { serviceId_number: { serviceId, number: revision } } });
      return row ? openSecrets(instanceTemplate.parse(row.template), secrets) : undefined;
    },

    async instanceRecords(): Promise<InstanceRecord[]> {
      const rows = await prisma.instance.findMany();
      // Details that don't parse (a hand-edited row) can't name anything to adopt: the instance is forgotten.
      return rows.map((row) => ({ ...row, phase: asPhase(row.phase), runtime: runtimeDetails.safeParse(row.runtime).data ?? null }));
    },

    async applyInstanceChanges({ saves, removals, events }) {
      const published = await prisma.$transaction(async (tx) => {
        const serviceIds = [...new Set(saves.map((s) => s.serviceId))];
        const existing = new Set((await tx.service.findMany({ where: { id: { in: serviceIds } }, select: { id: true } })).map((s) => s.id));
        for (const record of saves) {
          if (!existing.has(record.serviceId)) continue; // its service was removed meanwhile
          const { id, ...fields } = { ...record, runtime: record.runtime ?? Rows.DbNull };
          await tx.instance.upsert({ where: { id }, create: { id, ...fields }, update: fields });
        }
        if (removals.length > 0) await tx.instance.deleteMany({ where: { id: { in: removals } } });
        return events.length === 0 ? [] : tx.event.createManyAndReturn({ data: events.map((event) => ({ ...event, actor: event.actor ?? "engine" })) });
      });
      for (const row of published) feed.publish({ type: "event", event: toEvent(row) });
    },

    async trafficTopology() {
      const [services, dependencies] = await Promise.all([
        prisma.service.findMany({ orderBy: { name: "asc" } }),
        prisma.dependency.findMany({ select: { id: true, fromId: true, toId: true, port: true } }),
      ]);
      return {
        services: readRows(feed, "Service", services, toService, (row) => row.name).map((s) => ({ id: s.id, name: s.name, listenPort: s.listenPort, traffic: s.traffic })),
        dependencies,
      };
    },

    async registrations() {
      const rows = await prisma.registration.findMany({ include: { service: { select: { name: true } } }, orderBy: { id: "asc" } });
      return readRows(feed, "Registration", rows, (row) => ({
        id: row.id,
        serviceId: row.serviceId,
        serviceName: row.service.name,
        address: row.address,
        port: row.port,
        tags: z.array(z.string()).parse(row.tags),
        meta: namedRecord(z.string(), z.string()).parse(row.meta),
        checks: storedChecks.parse(row.checks),
      }));
    },

    async saveRollups(rollups) {
      await prisma.metricRollup.createMany({
        data: rollups.map((r) => ({ series: r.series, at: new Date(r.at), point: r.point as object })),
        skipDuplicates: true,
      });
    },

    async loadRollups(since) {
      const rows = await prisma.metricRollup.findMany({ where: { at: { gte: new Date(since) } }, orderBy: { at: "asc" } });
      // A minute of a chart is not worth an event: points that don't read are just left out.
      return rows.flatMap((row) => (storedPoint.safeParse(row.point).success ? [{ series: row.series, at: row.at.getTime(), point: row.point as MetricPoint }] : []));
    },

    async pruneRollups(before) {
      return (await prisma.metricRollup.deleteMany({ where: { at: { lt: new Date(before) } } })).count;
    },

    async finalizeDeletion(serviceId) {
      await auditedTransaction(prisma, feed, "engine", async (tx, record) => {
        const row = await tx.service.findUnique({ where: { id: serviceId } });
        if (!row?.deletedAt) return;
        await tx.service.delete({ where: { id: serviceId } });
        await record.event({ kind: "service.deleted", serviceId, serviceName: row.name, message: `deleted service ${row.name}; all its instances have stopped`, data: deletionRecord(toService(row)) });
        record.topology({ kind: "service.removed", id: serviceId });
      });
    },
  };
}
