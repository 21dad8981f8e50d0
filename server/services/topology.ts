import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  type Dependency,
  type InstanceTemplate,
  type Service,
  type ServiceCreateInput,
  type ServiceUpdateInput,
  serviceCreateInput,
  serviceUpdateInput,
  dependencyCreateInput,
  type DependencyCreateInput,
  dependencyDeleteInput,
  type DependencyDeleteInput,
  instanceTemplate,
  serviceScaleInput,
  type ServiceScaleInput,
  servicePlaceInput,
  type ServicePlaceInput,
} from "../contracts/service";
import { AppError, notFound } from "../lib/app-error";
import { newId } from "../lib/ids";
import type { Prisma } from "../store/database";
import { isUniqueViolation } from "../store/errors";
import { toDependency, toService } from "../store/records";
import { readRows } from "../store/row-guard";
import { routesIssue, trafficSettings, type TrafficSettings } from "../contracts/traffic";
import { auditedTransaction, type Recorder, type Tx } from "../store/audited-transaction";
import { hasName } from "../contracts/keys";
import { deletionRecord } from "../contracts/timeline";
import { defaultStrategy, rolloutStrategy } from "../contracts/rollout";
import { swarmDefaultStrategy, swarmIssues } from "../contracts/swarm";
import { linksFor, type LinkHosts } from "./links";
import { claimListenerPort, type PortRange, type ReservedPorts } from "../store/listener-ports";
import { sealSecrets } from "../store/secret-env";
import { beginRollout, nextRevisionNumber } from "./rollouts";
import { mergeInstanceFields, staleVersion, withLinks } from "./service-patch";
import type { SecretBox } from "../lib/secret-box";
import type { ChangeFeed } from "../store/changes";
import { Prisma as Rows } from "../store/generated/client";

export type TopologyDeps = {
  prisma: Prisma;
  feed: ChangeFeed;
  /** Relative working directories of services resolve against this folder. */
  baseDir: string;
  /** Where service and dependency listeners get their ports. */
  listenerPorts: PortRange;
  reservedPorts: ReservedPorts;
  /** Seals secret environment values before they are stored. */
  secrets: SecretBox;
  /** The address instances reach dependency listeners at (their links, TO_URL). */
  linkHost: LinkHosts;
};

/** Use-cases that edit the desired topology: services and the dependency edges between them. */
export function createTopology({ prisma, feed, baseDir, listenerPorts, reservedPorts, secrets, linkHost }: TopologyDeps) {
  const checkTemplate = (template: InstanceTemplate) => {
    const dir = path.resolve(baseDir, template.cwd);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new AppError("BAD_REQUEST", `working directory ${dir} does not exist or is not a directory`, "template.cwd");
    }
  };

  /** What the runtime can't run is refused here, before it is stored (the first issue, with its field). */
  const checkRunnable = (service: Parameters<typeof swarmIssues>[0]) => {
    const [issue] = swarmIssues(service);
    if (issue) throw new AppError("BAD_REQUEST", issue.message, issue.path);
  };

  const findService = async (tx: Tx, id: string) => {
    const row = await tx.service.findUnique({ where: { id } });
    if (!row) throw notFound(`service ${id}`);
    return row;
  };

  /** A service on its way out can't be changed or connected any more. */
  const findLiveService = async (tx: Tx, id: string) => {
    const row = await findService(tx, id);
    if (row.deletedAt) throw new AppError("CONFLICT", `service ${row.name} is being deleted`);
    return row;
  };

  /** Only HTTP/1.1 services are routed by the ingress, and two can't both claim the same host and path prefix. */
  const checkRoutes = async (tx: Tx, serviceId: string, { routes, protocol }: TrafficSettings) => {
    if (routes.length === 0) return;
    const routeIssue = routesIssue(protocol);
    if (routeIssue) throw new AppError("BAD_REQUEST", routeIssue, "traffic.routes");
    const others = await tx.service.findMany({ where: { id: { not: serviceId }, deletedAt: null }, select: { name: true, traffic: true } });
    for (const route of routes) {
      for (const other of others) {
        const taken = trafficSettings.parse(other.traffic).routes.some((r) => r.host === route.host && r.pathPrefix === route.pathPrefix);
        if (taken) throw new AppError("CONFLICT", `service ${other.name} already routes ${route.host ?? "any host"} ${route.pathPrefix}`, "traffic.routes");
      }
    }
  };

  /**
   * Gives a service's instances the links its edges call for now: a new revision (and its rollout)
   * when they differ from the current one's, as any env change would be. Returns the service.
   */
  async function relink(tx: Tx, record: Recorder, serviceId: string): Promise<Service> {
    const row = await findService(tx, serviceId);
    if (row.external || row.deletedAt) return toService(row);
    const stored = instanceTemplate.parse(row.template);
    const links = await linksFor(tx, serviceId, linkHost);
    if (isDeepStrictEqual(links, stored.links)) return toService(row);
    const template = { ...stored, links };
    const revision = await nextRevisionNumber(tx, serviceId);
    const service = toService(await tx.service.update({ where: { id: serviceId }, data: { template, revision, version: { increment: 1 } } }));
    await tx.revision.create({ data: { id: newId(), serviceId, number: revision, template } });
    const added = Object.keys(links).filter((name) => !hasName(stored.links, name));
    const removed = Object.keys(stored.links).filter((name) => !hasName(links, name));
    const what = [...added.map((name) => `+${name}`), ...removed.map((name) => `−${name}`)].join(", ") || "listener addresses";
    await record.event({ kind: "service.updated", serviceId, serviceName: row.name, message: `updated links of ${row.name} (revision ${revision}): ${what}`, data: { changed: ["links"], revision } });
    await beginRollout(tx, record, service, row.revision, revision, "update", new Date());
    record.topology({ kind: "service.upserted", service });
    return service;
  }

  const notRunByGantry = (name: string) =>
    new AppError("BAD_REQUEST", `${name} is an external service: it is registered through the Consul agent API, not run by Gantry`);

  const nameTaken = (name: string, deleting = false) =>
    new AppError("CONFLICT", deleting ? `a service named ${name} is still being deleted; try again in a moment` : `a service named ${name} already exists`, "name");

  async function createServiceIn(tx: Tx, record: Recorder, raw: ServiceCreateInput): Promise<Service> {
    const parsed = serviceCreateInput.parse(raw);
    const input = { ...parsed, strategy: parsed.strategy ?? (parsed.template.runtime === "swarm" ? swarmDefaultStrategy : undefined) };
    checkTemplate(input.template);
    checkRunnable({ ...input, strategy: input.strategy ?? defaultStrategy });
    const existing = await tx.service.findUnique({ where: { name: input.name } });
    if (existing) throw nameTaken(input.name, existing.deletedAt !== null);
    const id = newId();
    await checkRoutes(tx, id, input.traffic);
    const row = await tx.service.create({
      data: {
        id,
        name: input.name,
        replicas: input.replicas,
        template: sealSecrets(input.template, undefined, secrets),
        traffic: input.traffic,
        strategy: input.strategy,
        labels: input.labels,
        autoscale: input.autoscale ?? undefined,
        listenPort: await claimListenerPort(tx, listenerPorts, reservedPorts, input.listenPort),
        listenPortPinned: input.listenPort !== undefined,
        positionX: input.position?.x,
        positionY: input.position?.y,
        revisions: { create: { id: newId(), number: 1, template: sealSecrets(input.template, undefined, secrets) } },
      },
    });
    const service = toService(row);
    await record.event({
      kind: "service.created",
      serviceId: id,
      serviceName: input.name,
      message: `created service ${input.name} with ${input.replicas} replica(s)`,
    });
    record.topology({ kind: "service.upserted", service });
    return service;
  }

  async function updateServiceIn(tx: Tx, record: Recorder, raw: ServiceUpdateInput): Promise<Service> {
    const { id, version, patch } = serviceUpdateInput.parse(raw);
    const current = await findLiveService(tx, id);
    if (current.external && (patch.template || patch.replicas !== undefined)) throw notRunByGantry(current.name);
    if (current.version !== version) throw staleVersion(current.name);

    const before = toService(current);
    // A new revision takes the links the edges call for now, delivering what "Later" left pending.
    const merged = mergeInstanceFields(current, patch, secrets);
    const next = withLinks(merged, await linksFor(tx, id, linkHost, { runtime: merged.template.runtime }));
    const { template, templateChanged } = next;
    if (templateChanged) checkTemplate(template);
    checkRunnable(next);
    const traffic = patch.traffic ? trafficSettings.parse({ ...before.traffic, ...patch.traffic }) : before.traffic;
    const trafficChanged = !isDeepStrictEqual(traffic, before.traffic);
    if (trafficChanged) await checkRoutes(tx, id, traffic);
    const portChanged = patch.listenPort !== undefined && patch.listenPort !== before.listenPort;
    const listenPort = portChanged ? await claimListenerPort(tx, listenerPorts, reservedPorts, patch.listenPort, before.listenPort) : undefined;
    const labelsChanged = patch.labels !== undefined && !isDeepStrictEqual(patch.labels, before.labels);
    const autoscale = patch.autoscale === undefined ? before.autoscale : patch.autoscale;
    const autoscaleChanged = !isDeepStrictEqual(autoscale, before.autoscale);
    if (autoscale && current.external) throw notRunByGantry(current.name);
    const changed = [
      ...next.changed,
      ...(trafficChanged ? ["traffic"] : []),
      ...(portChanged ? ["listener port"] : []),
      ...(labelsChanged ? ["labels"] : []),
      ...(autoscaleChanged ? ["autoscaling"] : []),
    ];
    // A count typed by hand on an autoscaled service pauses its autoscaler rather than fight it.
    const pause = before.autoscale !== null && autoscale !== null && next.replicas !== current.replicas && current.autoscalePausedAt === null;
    // A port typed by hand is pinned (config exports keep it) even when it is the one already held.
    const pin = patch.listenPort !== undefined;
    if (changed.length === 0) {
      if (pin && !current.listenPortPinned) await tx.service.update({ where: { id }, data: { listenPortPinned: true } });
      return before;
    }

    const revision = templateChanged ? await nextRevisionNumber(tx, id) : before.revision;
    // Guarded by version: a concurrent writer that committed first makes this match nothing.
    const { count } = await tx.service.updateMany({
      where: { id, version },
      data: {
        version: { increment: 1 },
        replicas: next.replicas,
        template,
        strategy: next.strategy,
        traffic,
        listenPort,
        listenPortPinned: pin ? true : undefined,
        revision,
        labels: labelsChanged ? patch.labels : undefined,
        autoscale: autoscaleChanged ? (autoscale ?? Rows.DbNull) : undefined,
        autoscalePausedAt: autoscale === null ? null : pause ? new Date() : undefined,
      },
    });
    if (count === 0) throw staleVersion(current.name);
    if (templateChanged) await tx.revision.create({ data: { id: newId(), serviceId: id, number: revision, template } });

    const service = toService(await findService(tx, id));
    await record.event({
      kind: "service.updated",
      serviceId: id,
      serviceName: service.name,
      message: `updated ${changed.join(", ")} of ${service.name}` + (templateChanged ? ` (revision ${revision})` : ""),
      // What it replaced, so the timeline can show the service as it was before.
      data: { changed, ...(templateChanged ? { revision } : {}), from: { replicas: current.replicas, revision: before.revision } },
    });
    if (pause) await recordPause(record, service, current.replicas);
    if (templateChanged) await beginRollout(tx, record, service, before.revision, revision, "update", new Date());
    record.topology({ kind: "service.upserted", service });
    // Callers name a tcp or grpc service by NAME_ADDR, others by NAME_URL: they take the new link as any link change.
    if (traffic.protocol !== before.traffic.protocol) {
      for (const edge of await tx.dependency.findMany({ where: { toId: id }, select: { fromId: true } })) await relink(tx, record, edge.fromId);
    }
    return service;
  }

  async function deleteServiceIn(tx: Tx, record: Recorder, id: string): Promise<void> {
    const current = await findService(tx, id);
    if (current.deletedAt) return;
    const edges = await tx.dependency.findMany({ where: { OR: [{ fromId: id }, { toId: id }] } });
    await tx.dependency.deleteMany({ where: { id: { in: edges.map((e) => e.id) } } });
    const service = toService(await tx.service.update({ where: { id }, data: { deletedAt: new Date(), version: { increment: 1 } } }));
    await record.event({
      kind: "service.deleting",
      serviceId: id,
      serviceName: service.name,
      message: `deleting service ${service.name}: stopping its instances` + (edges.length ? `; removed ${edges.length} dependency edge(s)` : ""),
      // What the timeline needs to show it as it was once it is gone.
      data: { ...deletionRecord(service), edges: edges.map((e) => ({ id: e.id, fromId: e.fromId, toId: e.toId })) },
    });
    for (const edge of edges) record.topology({ kind: "dependency.removed", id: edge.id });
    record.topology({ kind: "service.upserted", service });
  }

  /** `label` learns "from → to" as soon as it is known, for the caller's unique-violation message. */
  async function createDependencyIn(tx: Tx, record: Recorder, raw: DependencyCreateInput, label = { text: "" }): Promise<Dependency> {
    const { fromId, toId, rollout } = dependencyCreateInput.parse(raw);
    if (fromId === toId) throw new AppError("BAD_REQUEST", "a service cannot depend on itself", "toId");
    const [from, to] = [await findLiveService(tx, fromId), await findLiveService(tx, toId)];
    label.text = `${from.name} → ${to.name}`;
    if (from.external) throw new AppError("BAD_REQUEST", `${from.name} is an external service: Gantry runs no instances of it to hand ${to.name}'s address to`, "fromId");
    if (await tx.dependency.findUnique({ where: { fromId_toId: { fromId, toId } } })) {
      throw new AppError("CONFLICT", `dependency ${label.text} already exists`);
    }
    const port = await claimListenerPort(tx, listenerPorts, reservedPorts);
    const dependency = toDependency(await tx.dependency.create({ data: { id: newId(), fromId, toId, port } }));
    await record.event({
      kind: "dependency.created",
      serviceId: fromId,
      serviceName: from.name,
      message: `added dependency ${label.text} (listener port ${port})`,
      data: { fromId, toId, dependencyId: dependency.id },
    });
    record.topology({ kind: "dependency.upserted", dependency });
    if (rollout) await relink(tx, record, fromId);
    return dependency;
  }

  async function deleteDependencyIn(tx: Tx, record: Recorder, raw: DependencyDeleteInput): Promise<void> {
    const { id, rollout } = dependencyDeleteInput.parse(raw);
    const edge = await tx.dependency.findUnique({ where: { id }, include: { from: true, to: true } });
    if (!edge) throw notFound(`dependency ${id}`);
    await tx.dependency.delete({ where: { id } });
    await record.event({
      kind: "dependency.deleted",
      serviceId: edge.fromId,
      serviceName: edge.from.name,
      message: `removed dependency ${edge.from.name} → ${edge.to.name}`,
      data: { fromId: edge.fromId, toId: edge.toId, dependencyId: id },
    });
    record.topology({ kind: "dependency.removed", id });
    if (rollout) await relink(tx, record, edge.fromId);
  }

  /**
   * A service created earlier in this same transaction takes its edges' links into revision 1: no
   * rollout has begun and nothing runs it yet, so there is nothing to roll.
   */
  async function settleNewServiceLinks(tx: Tx, record: Recorder, serviceId: string): Promise<Service> {
    const row = await findService(tx, serviceId);
    const stored = instanceTemplate.parse(row.template);
    const links = await linksFor(tx, serviceId, linkHost);
    if (row.revision !== 1 || isDeepStrictEqual(links, stored.links)) return toService(row);
    const template = { ...stored, links };
    const service = toService(await tx.service.update({ where: { id: serviceId }, data: { template } }));
    await tx.revision.update({ where: { serviceId_number: { serviceId, number: 1 } }, data: { template } });
    record.topology({ kind: "service.upserted", service });
    return service;
  }

  /** Never a silent fight: a hand-set count on an autoscaled service pauses its autoscaler, in the log. */
  async function recordPause(record: Recorder, service: Service, from: number): Promise<void> {
    await record.event({
      kind: "service.autoscaling-paused",
      serviceId: service.id,
      serviceName: service.name,
      message: `paused autoscaling of ${service.name}: scaled by hand from ${from} to ${service.replicas}; resume it to let the autoscaler decide again`,
      data: { from, to: service.replicas },
    });
  }

  /** The listener port is Gantry's to choose again (it keeps the one it has): config exports leave it out. */
  async function unpinListenPort(tx: Tx, serviceId: string): Promise<void> {
    await tx.service.updateMany({ where: { id: serviceId, listenPortPinned: true }, data: { listenPortPinned: false } });
  }

  return {
    async listServices(): Promise<Service[]> {
      const rows = await prisma.service.findMany({ orderBy: { name: "asc" } });
      return readRows(feed, "Service", rows, toService, (row) => row.name);
    },

    async getService(id: string): Promise<Service> {
      return toService(await findService(prisma, id));
    },

    async createService(raw: ServiceCreateInput, actor: string): Promise<Service> {
      const input = serviceCreateInput.parse(raw);
      try {
        return await auditedTransaction(prisma, feed, actor, (tx, record) => createServiceIn(tx, record, input));
      } catch (err) {
        throw isUniqueViolation(err) ? nameTaken(input.name) : err;
      }
    },

    async updateService(raw: ServiceUpdateInput, actor: string): Promise<Service> {
      const input = serviceUpdateInput.parse(raw);
      return auditedTransaction(prisma, feed, actor, (tx, record) => updateServiceIn(tx, record, input));
    },

    /** Canvas positions (one node dragged, or a whole auto-layout); all or nothing. */
    async placeServices(raw: ServicePlaceInput, actor: string): Promise<Service[]> {
      const { positions } = servicePlaceInput.parse(raw);
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const placed: Service[] = [];
        for (const { id, x, y } of positions) {
          await findService(tx, id);
          const service = toService(await tx.service.update({ where: { id }, data: { positionX: x, positionY: y } }));
          record.topology({ kind: "service.upserted", service });
          placed.push(service);
        }
        return placed;
      });
    },

    /** Scaling is last-writer-wins, like `kubectl scale`: no version needed. */
    async scaleService(raw: ServiceScaleInput, actor: string): Promise<Service> {
      const { id, replicas } = serviceScaleInput.parse(raw);
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const current = await findLiveService(tx, id);
        if (current.external) throw notRunByGantry(current.name);
        if (current.replicas === replicas) return toService(current);
        checkRunnable({ replicas, template: instanceTemplate.parse(current.template), strategy: rolloutStrategy.parse(current.strategy) });
        const pause = current.autoscale !== null && current.autoscalePausedAt === null;
        const service = toService(await tx.service.update({ where: { id }, data: { replicas, version: { increment: 1 }, ...(pause ? { autoscalePausedAt: new Date() } : {}) } }));
        await record.event({
          kind: "service.scaled",
          serviceId: id,
          serviceName: service.name,
          message: `scaled ${service.name} from ${current.replicas} to ${replicas} replica(s)`,
          data: { from: current.replicas, to: replicas },
        });
        if (pause) await recordPause(record, service, current.replicas);
        record.topology({ kind: "service.upserted", service });
        return service;
      });
    },

    /**
     * Requests deletion: edges go now, the service is marked deleting, and the engine removes it
     * once its instances have stopped.
     */
    async deleteService(id: string, actor: string): Promise<void> {
      await auditedTransaction(prisma, feed, actor, (tx, record) => deleteServiceIn(tx, record, id));
    },

    /** Gives a listener port to services and dependency edges that have none (rows from before ports existed). */
    async assignMissingListenerPorts(): Promise<void> {
      const services = await prisma.service.findMany({ where: { listenPort: null }, select: { id: true, name: true } });
      const edges = await prisma.dependency.findMany({ where: { port: null }, select: { id: true } });
      if (services.length + edges.length === 0) return;
      await auditedTransaction(prisma, feed, "system", async (tx, record) => {
        for (const s of services) {
          const service = toService(await tx.service.update({ where: { id: s.id }, data: { listenPort: await claimListenerPort(tx, listenerPorts, reservedPorts) } }));
          record.topology({ kind: "service.upserted", service });
        }
        for (const e of edges) {
          const dependency = toDependency(await tx.dependency.update({ where: { id: e.id }, data: { port: await claimListenerPort(tx, listenerPorts, reservedPorts) } }));
          record.topology({ kind: "dependency.upserted", dependency });
        }
        await record.event({ kind: "system.ports", message: `assigned listener ports to ${services.length} service(s) and ${edges.length} dependency edge(s)` });
      });
    },

    async listDependencies(): Promise<Dependency[]> {
      const rows = await prisma.dependency.findMany({ orderBy: { createdAt: "asc" } });
      return rows.map(toDependency);
    },

    async createDependency(raw: DependencyCreateInput, actor: string): Promise<Dependency> {
      const input = dependencyCreateInput.parse(raw);
      const label = { text: "" };
      try {
        return await auditedTransaction(prisma, feed, actor, (tx, record) => createDependencyIn(tx, record, input, label));
      } catch (err) {
        throw isUniqueViolation(err) ? new AppError("CONFLICT", `dependency ${label.text} already exists`) : err;
      }
    },

    async deleteDependency(raw: DependencyDeleteInput, actor: string): Promise<void> {
      const input = dependencyDeleteInput.parse(raw);
      await auditedTransaction(prisma, feed, actor, (tx, record) => deleteDependencyIn(tx, record, input));
    },

    /** Rolls a service to a revision with the links its edges call for (what "Later" left pending). */
    async applyLinks(id: string, actor: string): Promise<Service> {
      return auditedTransaction(prisma, feed, actor, (tx, record) => relink(tx, record, id));
    },

    /**
     * The same edits as steps of a caller's transaction (a config apply makes many in one): each
     * records its events and deltas with the caller's recorder. Names taken concurrently surface as
     * the database's unique violation, for the caller to word.
     */
    within: {
      createService: createServiceIn,
      updateService: updateServiceIn,
      deleteService: deleteServiceIn,
      createDependency: createDependencyIn,
      deleteDependency: deleteDependencyIn,
      relink,
      settleNewServiceLinks,
      unpinListenPort,
    },
  };
}

export type Topology = ReturnType<typeof createTopology>;
