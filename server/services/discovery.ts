import type { EventActor } from "../contracts/event";
import { canonicalKeys, registrationInput, type RegistrationSpec } from "../contracts/registration";
import { instanceTemplate } from "../contracts/service";
import type { Labels } from "../contracts/access";
import { trafficSettings, type TrafficSettingsInput } from "../contracts/traffic";
import { AppError } from "../lib/app-error";
import { nulPath } from "../lib/nul-text";
import { newId } from "../lib/ids";
import { auditedTransaction, type Recorder, type Tx } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import { claimListenerPort, type PortRange, type ReservedPorts } from "../store/listener-ports";
import { toService } from "../store/records";

export type DiscoveryDeps = { prisma: Prisma; feed: ChangeFeed; listenerPorts: PortRange; reservedPorts: ReservedPorts };

/** Never run: an external service only has the endpoints registered for it. */
const EXTERNAL_TEMPLATE = instanceTemplate.parse({ command: "(external)" });

export type ExternalServiceSpec = { name: string; labels?: Labels; traffic?: TrafficSettingsInput; listenPort?: number };

/**
 * Creates an external service (with a listener, like any service): on its first registration, or
 * declared in a gantry.yaml so others can depend on it before its endpoints register.
 */
export async function createExternalService(tx: Tx, record: Recorder, ports: Pick<DiscoveryDeps, "listenerPorts" | "reservedPorts">, spec: ExternalServiceSpec) {
  const traffic = trafficSettings.parse(spec.traffic ?? {});
  const listenPort = await claimListenerPort(tx, ports.listenerPorts, ports.reservedPorts, spec.listenPort);
  const service = toService(
    await tx.service.create({
      data: { id: newId(), name: spec.name, external: true, replicas: 0, template: EXTERNAL_TEMPLATE, traffic, labels: spec.labels ?? {}, listenPort, listenPortPinned: spec.listenPort !== undefined },
    }),
  );
  await record.event({ kind: "service.created", serviceId: service.id, serviceName: spec.name, message: `registered external service ${spec.name}` });
  record.topology({ kind: "service.upserted", service });
  return service;
}

/** Use-cases behind the Consul-compatible agent API: external services and their endpoints. */
export function createDiscovery({ prisma, feed, listenerPorts, reservedPorts }: DiscoveryDeps) {
  /** The external service named `name`, created (with a listener, like any service) on first registration. */
  async function externalService(tx: Tx, name: string, record: Recorder) {
    const existing = await tx.service.findUnique({ where: { name } });
    if (existing) {
      if (existing.deletedAt) throw new AppError("CONFLICT", `service ${name} is being deleted`);
      if (!existing.external) throw new AppError("CONFLICT", `service ${name} is run by Gantry; register external endpoints under a name of their own`);
      return existing;
    }
    return createExternalService(tx, record, { listenerPorts, reservedPorts }, { name });
  }

  return {
    /** PUT /v1/agent/service/register: validates, then creates or replaces the endpoint. */
    async register(body: unknown, actor: EventActor): Promise<RegistrationSpec> {
      const nul = nulPath(body);
      if (nul) throw new AppError("BAD_REQUEST", `Invalid service registration: ${nul}: text may not contain NUL (\\u0000) characters`);
      const parsed = registrationInput.safeParse(canonicalKeys(body));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new AppError("BAD_REQUEST", `Invalid service registration: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`);
      }
      const spec = parsed.data;
      await auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const service = await externalService(tx, spec.name, record);
        const data = { serviceId: service.id, address: spec.address, port: spec.port, tags: spec.tags, meta: spec.meta, checks: spec.checks };
        const existed = await tx.registration.findUnique({ where: { id: spec.id } });
        await tx.registration.upsert({ where: { id: spec.id }, create: { id: spec.id, ...data }, update: data });
        await record.event({
          kind: existed ? "registration.updated" : "registration.added",
          serviceId: service.id,
          serviceName: spec.name,
          message: `${existed ? "updated" : "registered"} endpoint ${spec.id} of ${spec.name} at ${spec.address}:${spec.port} with ${spec.checks.length} check(s)`,
        });
        record.change({ type: "registrations" });
      });
      return spec;
    },

    /** PUT /v1/agent/service/deregister/:id */
    async deregister(id: string, actor: EventActor): Promise<void> {
      await auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const registration = await tx.registration.findUnique({ where: { id }, include: { service: true } });
        if (!registration) throw new AppError("NOT_FOUND", `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
        await tx.registration.delete({ where: { id } });
        const { serviceId, service } = registration;
        // As in Consul, a service whose last endpoint left is gone — unless something depends on it,
        // whose edge (and listener) would vanish under it: then it stays, with no endpoints.
        const last = (await tx.registration.count({ where: { serviceId } })) === 0;
        const dependents = last ? await tx.dependency.findMany({ where: { toId: serviceId }, include: { from: { select: { name: true } } } }) : [];
        const removed = last && dependents.length === 0;
        if (removed) {
          await tx.service.delete({ where: { id: serviceId } });
          record.topology({ kind: "service.removed", id: serviceId });
        }
        const outcome = !last ? "" : removed ? `; its last endpoint, so ${service.name} is removed` : `; its last endpoint, ${service.name} kept: ${dependents.map((d) => d.from.name).join(", ")} depends on it`;
        await record.event({ kind: "registration.removed", serviceId, serviceName: service.name, message: `deregistered endpoint ${id} of ${service.name}${outcome}` });
        record.change({ type: "registrations" });
      });
    },
  };
}

export type Discovery = ReturnType<typeof createDiscovery>;
