import { isDeepStrictEqual } from "node:util";
import type { EventActor } from "../contracts/event";
import {
  activeStatuses,
  rollbackInput,
  rolloutStrategy,
  revisionDiffInput,
  rolloutTarget,
  type ClusterRolloutStatus,
  type PlanPreview,
  type RevisionSummary,
  type Rollout,
  type RolloutCause,
  type TemplateChange,
} from "../contracts/rollout";
import { commandText } from "../contracts/command-line";
import { dependencyPlanInput, instanceTemplate, serviceUpdateInput, type DependencyPlanInput, type ServiceUpdateInput } from "../contracts/service";
import { describeSwarmUpdate } from "../contracts/swarm";
import { dependencyEnvName, linksByAddress, trafficSettings, type Protocol } from "../contracts/traffic";
import type { DesiredService } from "../engine/types";
import { AppError, notFound } from "../lib/app-error";
import { newId } from "../lib/ids";
import { auditedTransaction, type Recorder, type Tx } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import type * as Rows from "../store/generated/client";
import { toRollout, toService, toTrackedRollout } from "../store/records";
import type { SecretBox } from "../lib/secret-box";
import { linksFor, type EdgeChange, type LinkHosts } from "./links";
import { mergeInstanceFields, staleVersion, withLinks, type InstanceFields } from "./service-patch";
import { diffTemplates } from "./template-diff";

export type RolloutsDeps = {
  prisma: Prisma;
  feed: ChangeFeed;
  secrets: SecretBox;
  /** The engine's reconciler played forward from the instances running now. */
  preview(desired: DesiredService): Omit<PlanPreview, "changed" | "revision" | "diff" | "relinks" | "cluster">;
  /** The address instances reach dependency listeners at (their links). */
  linkHost: LinkHosts;
  now?: () => Date;
};

type ServiceRef = { id: string; name: string; replicas: number };

/** Finished rollouts the dashboard still shows in its live view. */
const RECENT_MS = 10 * 60_000;
/** Rollouts kept per service; older ones are deleted as new ones begin (their events stay). */
const HISTORY = 50;

const seconds = (from: Date, to: Date) => `${((to.getTime() - from.getTime()) / 1000).toFixed(1)} s`;

/** The next revision's number: revisions are never reused, even after a rollback pointed back. */
export async function nextRevisionNumber(tx: Tx, serviceId: string): Promise<number> {
  const last = await tx.revision.findFirst({ where: { serviceId }, orderBy: { number: "desc" }, select: { number: true } });
  return (last?.number ?? 0) + 1;
}

/** A service's newest rollout, whatever its status: only it says what holds the service now. */
export const newestRollout = (tx: Tx, serviceId: string) => tx.rollout.findFirst({ where: { serviceId }, orderBy: { startedAt: "desc" } });

/**
 * Starts a rollout toward `to`; one still running is superseded (the newest intent wins). An edit
 * made over a failed rollout counts from the last good revision, so an abort doesn't return to
 * the failure.
 */
export async function beginRollout(tx: Tx, record: Recorder, service: ServiceRef, from: number, to: number, cause: RolloutCause, now: Date): Promise<Rollout> {
  const newest = await newestRollout(tx, service.id);
  if (cause === "update" && newest?.status === "failed" && newest.toRevision === from) from = newest.fromRevision;
  // Strictly after the newest, so "newest" is never a tie.
  const at = newest && newest.startedAt >= now ? new Date(newest.startedAt.getTime() + 1) : now;
  const active = await tx.rollout.findMany({ where: { serviceId: service.id, status: { in: [...activeStatuses] } } });
  for (const row of active) {
    const superseded = await tx.rollout.update({ where: { id: row.id }, data: { status: "superseded", message: `superseded by the rollout to revision ${to}`, finishedAt: at } });
    record.change({ type: "rollout", rollout: toRollout(superseded) });
  }
  const old = await tx.rollout.findMany({ where: { serviceId: service.id }, orderBy: { startedAt: "desc" }, skip: HISTORY - 1, select: { id: true } });
  if (old.length > 0) await tx.rollout.deleteMany({ where: { id: { in: old.map((r) => r.id) } } });
  const rollout = toRollout(
    await tx.rollout.create({
      // remaining −1: the engine counts the old instances on its first look.
      data: { id: newId(), serviceId: service.id, fromRevision: from, toRevision: to, cause, status: "progressing", replicas: service.replicas, remaining: -1, startedAt: at, progressAt: at },
    }),
  );
  await record.event({
    kind: "rollout.started",
    serviceId: service.id,
    serviceName: service.name,
    message: `rolling ${service.name} from revision ${from} to ${to} (${cause})`,
    data: { rolloutId: rollout.id, from, to, cause },
  });
  record.change({ type: "rollout", rollout });
  return rollout;
}

/** Revisions, rollouts and their controls: pause, resume, abort, roll back, diff, plan preview. */
export function createRollouts({ prisma, feed, secrets, preview, linkHost, now = () => new Date() }: RolloutsDeps) {
  const findService = async (tx: Tx, id: string) => {
    const row = await tx.service.findUnique({ where: { id } });
    if (!row) throw notFound(`service ${id}`);
    if (row.external) throw new AppError("BAD_REQUEST", `${row.name} is an external service: it has no revisions`);
    return row;
  };

  const findRevision = async (tx: Tx, serviceId: string, serviceName: string, number: number) => {
    const row = await tx.revision.findUnique({ where: { serviceId_number: { serviceId, number } } });
    if (!row) throw new AppError("NOT_FOUND", `service ${serviceName} has no revision ${number}`);
    return row;
  };

  const activeRollout = async (tx: Tx, serviceId: string, serviceName: string) => {
    const row = await tx.rollout.findFirst({ where: { serviceId, status: { in: [...activeStatuses] } }, orderBy: { startedAt: "desc" } });
    if (!row) throw new AppError("CONFLICT", `no rollout of ${serviceName} is in progress`);
    return row;
  };

  /** Points the service back at an existing revision and rolls to it. */
  async function returnTo(tx: Tx, record: Recorder, serviceId: string, revision: number, cause: RolloutCause): Promise<Rollout> {
    const current = await findService(tx, serviceId);
    if (current.deletedAt) throw new AppError("CONFLICT", `service ${current.name} is being deleted`);
    if (current.revision === revision) throw new AppError("CONFLICT", `${current.name} already runs revision ${revision}`);
    const target = await findRevision(tx, serviceId, current.name, revision);
    const service = toService(
      await tx.service.update({ where: { id: serviceId }, data: { revision, template: instanceTemplate.parse(target.template), version: { increment: 1 } } }),
    );
    record.topology({ kind: "service.upserted", service });
    return beginRollout(tx, record, service, current.revision, revision, cause, now());
  }

  /** Applies a status change to a rollout that is still in one of `from`; false if it moved on meanwhile. */
  async function transition(tx: Tx, record: Recorder, id: string, from: string[], data: Parameters<Tx["rollout"]["update"]>[0]["data"]) {
    const { count } = await tx.rollout.updateMany({ where: { id, status: { in: from } }, data });
    if (count === 0) return undefined;
    const row = await tx.rollout.findUniqueOrThrow({ where: { id }, include: { service: { select: { name: true, strategy: true, revision: true } } } });
    record.change({ type: "rollout", rollout: toRollout(row) });
    return row;
  }

  /** The engine finished the rollout between reading it and changing it. */
  const finishedMeanwhile = (name: string): never => {
    throw new AppError("CONFLICT", `the rollout of ${name} finished meanwhile; nothing was changed`);
  };

  const userAction = (serviceId: string, actor: EventActor, act: (tx: Tx, record: Recorder, service: Rows.Service) => Promise<Rollout>) =>
    auditedTransaction(prisma, feed, actor, async (tx, record) => act(tx, record, await findService(tx, serviceId)));

  /** A change's revision, diff and the steps the engine's reconciler would take for it. */
  async function previewOf(current: Rows.Service, next: InstanceFields): Promise<PlanPreview> {
    const id = current.id;
    const revision = next.templateChanged ? { from: current.revision, to: await nextRevisionNumber(prisma, id) } : null;
    const desired: DesiredService = {
      id,
      name: current.name,
      replicas: next.replicas,
      revision: revision?.to ?? current.revision,
      template: next.template,
      deleting: false,
      strategy: next.strategy,
      // A new revision starts a new rollout; otherwise the current one may be holding the service.
      rollout: revision ? null : toTrackedRollout(await newestRollout(prisma, id), current.revision),
    };
    // A swarm service is rolled (or scaled) by Swarm, not by the steps Gantry would take.
    const cluster = next.template.runtime !== "swarm" ? null : revision ? describeSwarmUpdate(next.strategy, next.replicas) : `Swarm runs ${next.replicas} task(s) of the current spec; no task is replaced.`;
    return { changed: next.changed, revision, diff: diffTemplates(instanceTemplate.parse(current.template), next.template), ...preview(desired), cluster, relinks: [] };
  }

  /** Callers whose link to `current` changes name (NAME_URL ↔ NAME_ADDR) with its protocol: each rolls to a new revision. */
  async function callersRelinked(current: Rows.Service, protocol: Protocol | undefined): Promise<PlanPreview["relinks"]> {
    const before = trafficSettings.parse(current.traffic).protocol;
    if (!protocol || linksByAddress(protocol) === linksByAddress(before)) return [];
    const edges = await prisma.dependency.findMany({ where: { toId: current.id }, select: { from: { select: { name: true } } }, orderBy: { from: { name: "asc" } } });
    return edges.map((edge) => ({ service: edge.from.name, from: dependencyEnvName(current.name, before), to: dependencyEnvName(current.name, protocol) }));
  }

  return {
    /** Newest first. */
    async list(raw: { serviceId: string }, limit = 20): Promise<Rollout[]> {
      const { serviceId } = rolloutTarget.parse(raw);
      return (await prisma.rollout.findMany({ where: { serviceId }, orderBy: { startedAt: "desc" }, take: limit })).map(toRollout);
    },

    /**
     * Each service's newest rollout among those the dashboard shows: running, failed, or ended in
     * the last few minutes. Bounded however long the history grows.
     */
    async latest(): Promise<Rollout[]> {
      const recent = new Date(now().getTime() - RECENT_MS);
      const candidates = await prisma.rollout.findMany({
        where: { OR: [{ status: { in: [...activeStatuses, "failed"] } }, { finishedAt: { gte: recent } }] },
        orderBy: { startedAt: "desc" },
      });
      // An old failure no longer counts once something newer began.
      const newest = await prisma.rollout.groupBy({ by: ["serviceId"], where: { serviceId: { in: [...new Set(candidates.map((r) => r.serviceId))] } }, _max: { startedAt: true } });
      const newestAt = new Map(newest.map((g) => [g.serviceId, g._max.startedAt?.getTime()]));
      return candidates.filter((r) => r.startedAt.getTime() === newestAt.get(r.serviceId)).map(toRollout);
    },

    async revisions(raw: { serviceId: string }): Promise<RevisionSummary[]> {
      const { serviceId } = rolloutTarget.parse(raw);
      const service = await findService(prisma, serviceId);
      const rows = await prisma.revision.findMany({ where: { serviceId }, orderBy: { number: "desc" } });
      return rows.map((row) => {
        const template = instanceTemplate.parse(row.template);
        return { number: row.number, createdAt: row.createdAt.toISOString(), command: commandText(template), current: row.number === service.revision };
      });
    },

    async diff(raw: { serviceId: string; from: number; to: number }): Promise<TemplateChange[]> {
      const { serviceId, from, to } = revisionDiffInput.parse(raw);
      const service = await findService(prisma, serviceId);
      const [a, b] = [await findRevision(prisma, serviceId, service.name, from), await findRevision(prisma, serviceId, service.name, to)];
      return diffTemplates(instanceTemplate.parse(a.template), instanceTemplate.parse(b.template), instanceTemplate.parse(service.template).secretEnv);
    },

    /** What saving this edit would do, without saving it. */
    async plan(raw: ServiceUpdateInput): Promise<PlanPreview> {
      const { id, version, patch } = serviceUpdateInput.parse(raw);
      const current = await findService(prisma, id);
      if (current.version !== version) throw staleVersion(current.name);
      const merged = mergeInstanceFields(current, patch, secrets);
      const preview = await previewOf(current, withLinks(merged, await linksFor(prisma, id, linkHost, { runtime: merged.template.runtime })));
      return { ...preview, relinks: await callersRelinked(current, patch.traffic?.protocol) };
    },

    /**
     * As plan, with the links the service's edges will call for once a config apply has drawn and
     * removed them (new edges' listeners not chosen yet): a change of edges alone is a new revision too.
     */
    async planWithLinks(raw: ServiceUpdateInput, links: Record<string, string>): Promise<PlanPreview> {
      const { id, version, patch } = serviceUpdateInput.parse(raw);
      const current = await findService(prisma, id);
      if (current.version !== version) throw staleVersion(current.name);
      const fields = mergeInstanceFields(current, patch, secrets);
      const template = { ...fields.template, links };
      const templateChanged = !isDeepStrictEqual(template, instanceTemplate.parse(current.template));
      const changed = templateChanged && !fields.changed.includes("template") ? [...fields.changed, "template"] : fields.changed;
      return previewOf(current, { ...fields, template, templateChanged, changed });
    },

    /** What drawing an edge from → to, or removing edge `id`, would do to the instances of its `from`. */
    async planLinks(raw: DependencyPlanInput): Promise<PlanPreview & { serviceId: string }> {
      const input = dependencyPlanInput.parse(raw);
      const edge = "id" in input ? await prisma.dependency.findUnique({ where: { id: input.id } }) : undefined;
      if ("id" in input && !edge) throw notFound(`dependency ${input.id}`);
      const fromId = edge?.fromId ?? ("fromId" in input ? input.fromId : "");
      const current = await findService(prisma, fromId);
      const target = "toId" in input ? await findService(prisma, input.toId) : undefined;
      const change: EdgeChange = target ? { add: { toId: target.id, toName: target.name, toProtocol: trafficSettings.parse(target.traffic).protocol } } : { remove: { id: edge!.id } };
      const stored = instanceTemplate.parse(current.template);
      const template = { ...stored, links: await linksFor(prisma, fromId, linkHost, { change }) };
      const changed = !isDeepStrictEqual(template, stored);
      const fields = { replicas: current.replicas, template, templateChanged: changed, strategy: rolloutStrategy.parse(current.strategy), changed: changed ? ["template"] : [] };
      return { serviceId: fromId, ...(await previewOf(current, fields)) };
    },

    pause: (raw: { serviceId: string }, actor: EventActor) =>
      userAction(rolloutTarget.parse(raw).serviceId, actor, async (tx, record, service) => {
        const active = await activeRollout(tx, service.id, service.name);
        if (active.status === "paused") throw new AppError("CONFLICT", `the rollout of ${service.name} is already paused`);
        const row = (await transition(tx, record, active.id, ["progressing"], { status: "paused" })) ?? finishedMeanwhile(service.name);
        await record.event({ kind: "rollout.paused", serviceId: service.id, serviceName: service.name, message: `paused the rollout of ${service.name} to revision ${row.toRevision}` });
        return toRollout(row);
      }),

    resume: (raw: { serviceId: string }, actor: EventActor) =>
      userAction(rolloutTarget.parse(raw).serviceId, actor, async (tx, record, service) => {
        const active = await activeRollout(tx, service.id, service.name);
        if (active.status !== "paused") throw new AppError("CONFLICT", `the rollout of ${service.name} is not paused`);
        // The progress deadline starts over: time spent paused is not a stall.
        const row = (await transition(tx, record, active.id, ["paused"], { status: "progressing", progressAt: now() })) ?? finishedMeanwhile(service.name);
        await record.event({ kind: "rollout.resumed", serviceId: service.id, serviceName: service.name, message: `resumed the rollout of ${service.name} to revision ${row.toRevision}` });
        return toRollout(row);
      }),

    /** Stops the rollout and returns to the revision it started from. */
    abort: (raw: { serviceId: string }, actor: EventActor) =>
      userAction(rolloutTarget.parse(raw).serviceId, actor, async (tx, record, service) => {
        const active = await activeRollout(tx, service.id, service.name);
        (await transition(tx, record, active.id, [...activeStatuses], { status: "aborted", message: `aborted; returning to revision ${active.fromRevision}`, finishedAt: now() })) ??
          finishedMeanwhile(service.name);
        await record.event({
          kind: "rollout.aborted",
          serviceId: service.id,
          serviceName: service.name,
          message: `aborted the rollout of ${service.name} to revision ${active.toRevision}; returning to revision ${active.fromRevision}`,
        });
        return returnTo(tx, record, service.id, active.fromRevision, "abort");
      }),

    rollback: (raw: { serviceId: string; revision: number }, actor: EventActor) => {
      const { serviceId, revision } = rollbackInput.parse(raw);
      return userAction(serviceId, actor, async (tx, record, service) => {
        const from = service.revision;
        const rollout = await returnTo(tx, record, service.id, revision, "rollback");
        await record.event({ kind: "service.rolled-back", serviceId, serviceName: service.name, message: `rolled ${service.name} back from revision ${from} to revision ${revision}`, data: { from, to: revision } });
        return rollout;
      });
    },

    // What the engine reports.

    progressed: (id: string, progress: { updated: number; remaining: number }) =>
      auditedTransaction(prisma, feed, "engine", async (tx, record) => {
        // Best so far, as the contract says: a dip and recovery is not progress twice.
        const before = await tx.rollout.findUnique({ where: { id }, select: { updated: true, remaining: true } });
        if (!before) return;
        const best = { updated: Math.max(before.updated, progress.updated), remaining: before.remaining < 0 ? progress.remaining : Math.min(before.remaining, progress.remaining) };
        const row = await transition(tx, record, id, ["progressing"], { ...best, progressAt: now() });
        if (!row) return;
        await record.event({
          kind: "rollout.progressed",
          serviceId: row.serviceId,
          serviceName: row.service.name,
          message: `${row.service.name} revision ${row.toRevision}: ${best.updated} of ${row.replicas} updated, ${best.remaining} old left`,
          data: { rolloutId: id, ...best },
        });
      }),

    /** Swarm's own view of the update, shown beside Gantry's counts (no event: Swarm's progress is the instances' events). */
    clusterReported: (id: string, cluster: ClusterRolloutStatus) =>
      auditedTransaction(prisma, feed, "engine", async (tx, record) => {
        await transition(tx, record, id, [...activeStatuses], { cluster });
      }),

    succeeded: (id: string, progress: { updated: number; remaining: number }) =>
      auditedTransaction(prisma, feed, "engine", async (tx, record) => {
        const at = now();
        const row = await transition(tx, record, id, ["progressing"], { updated: progress.updated, remaining: progress.remaining, status: "succeeded", progressAt: at, finishedAt: at });
        if (!row) return;
        await record.event({
          kind: "rollout.succeeded",
          serviceId: row.serviceId,
          serviceName: row.service.name,
          message: `${row.service.name} runs revision ${row.toRevision} on all ${progress.updated} instance(s); rollout took ${seconds(row.startedAt, at)}`,
          data: { rolloutId: id, seconds: (at.getTime() - row.startedAt.getTime()) / 1000 },
        });
      }),

    stalled: (id: string, message: string) =>
      auditedTransaction(prisma, feed, "engine", async (tx, record) => {
        const row = await transition(tx, record, id, ["progressing"], { status: "failed", message, finishedAt: now() });
        if (!row) return;
        const { service } = row;
        const rollBack = row.cause === "update" && rolloutStrategy.parse(service.strategy).autoRollback && service.revision === row.toRevision;
        await record.event({
          kind: "rollout.failed",
          serviceId: row.serviceId,
          serviceName: service.name,
          message: `the rollout of ${service.name} to revision ${row.toRevision} failed: ${message}` + (rollBack ? `; rolling back to revision ${row.fromRevision}` : ""),
        });
        if (rollBack) await returnTo(tx, record, row.serviceId, row.fromRevision, "auto-rollback");
      }),
  };
}

export type Rollouts = ReturnType<typeof createRollouts>;
