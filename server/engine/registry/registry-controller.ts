import { isDeepStrictEqual } from "node:util";
import { entryStatus, type CatalogEntry, type CheckStatus } from "../../contracts/catalog";
import type { Probe } from "../../contracts/probe";
import { isServing } from "../../contracts/instance";
import type { CheckSpec } from "../../contracts/registration";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { ProbeOutcome, ProbeTarget } from "../health/probes";
import { ProbeScheduler } from "../health/probe-scheduler";
import type { InstanceView } from "../supervisor/instance-view";
import { Catalog } from "./catalog";
import { ExternalCheck } from "./external-check";

/** An external endpoint as the store keeps it: a catalog entry's fields, with check definitions. */
export type RegistrationRecord = Pick<CatalogEntry, "id" | "serviceId" | "serviceName" | "address" | "port" | "tags" | "meta"> & { checks: CheckSpec[] };

export type RegistryOptions = {
  clock: Clock;
  log: Logger;
  load(): Promise<RegistrationRecord[]>;
  run(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome>;
};

type Tracked = { record: RegistrationRecord; checks: ExternalCheck[] };

/** Instances that exist as processes are listed (ready ones passing); the rest are not (yet) endpoints. */
const LISTED_PHASES = new Set(["Running", "Stopping"]);

/**
 * Keeps the catalog true: Gantry's own instances (from the supervisor, as they change) and
 * external endpoints registered through the agent API (from the store, with their checks).
 */
export class RegistryController {
  readonly catalog: Catalog;
  private readonly external = new Map<string, Tracked>();
  private readonly scheduler: ProbeScheduler;

  constructor(private readonly options: RegistryOptions) {
    this.catalog = new Catalog(options.log);
    this.scheduler = new ProbeScheduler(options.clock, options.log);
  }

  /** Brings a managed service's entries in line with its instances. */
  syncInstances(serviceId: string, instances: readonly InstanceView[]): void {
    const listed = new Set<string>();
    for (const instance of instances) {
      if (!LISTED_PHASES.has(instance.phase) || instance.port === null) continue;
      listed.add(instance.id);
      const readiness = instance.probes.find((p) => p.type === "readiness");
      const ready = isServing(instance);
      this.catalog.upsert({
        id: instance.id,
        serviceId,
        serviceName: instance.serviceName,
        address: instance.address?.host ?? "127.0.0.1",
        port: instance.port,
        tags: [],
        meta: { gantry_instance: instance.id, gantry_revision: String(instance.revision) },
        external: false,
        checks: [
          {
            id: `gantry:${instance.id}`,
            name: "Gantry readiness",
            kind: "gantry",
            status: ready ? "passing" : "critical",
            output: ready ? "ready" : instance.phase === "Stopping" ? "stopping" : (readiness?.last?.message ?? "not ready"),
          },
        ],
      });
    }
    for (const entry of this.catalog.list()) {
      if (entry.serviceId === serviceId && !entry.external && !listed.has(entry.id)) this.catalog.remove(entry.id);
    }
  }

  /** Re-reads external registrations; unchanged ones keep their check state. */
  async refreshRegistrations(): Promise<void> {
    const records = await this.options.load();
    const wanted = new Map(records.map((r) => [r.id, r]));
    for (const [id, tracked] of this.external) {
      const next = wanted.get(id);
      if (next && isDeepStrictEqual(next, tracked.record)) continue;
      tracked.checks.forEach((c) => c.stop());
      this.external.delete(id);
      if (!next) this.catalog.remove(id);
    }
    for (const record of records) {
      if (this.external.has(record.id)) continue;
      const tracked: Tracked = { record, checks: [] };
      this.external.set(record.id, tracked);
      tracked.checks = record.checks.map(
        (spec) => new ExternalCheck(spec, { clock: this.options.clock, scheduler: this.scheduler, run: this.options.run, changed: () => this.publish(tracked) }),
      );
      this.publish(tracked);
    }
  }

  /** A TTL check's pass/warn/fail. Unknown check → "unknown"; not a TTL check → "not-ttl". */
  updateCheck(checkId: string, status: CheckStatus, output: string): "ok" | "unknown" | "not-ttl" {
    for (const tracked of this.external.values()) {
      const check = tracked.checks.find((c) => c.spec.id === checkId);
      if (check) return check.update(status, output) ? "ok" : "not-ttl";
    }
    return "unknown";
  }

  /** Usable endpoints of an external service: not critical. */
  externalEndpoints(serviceId: string): Array<{ id: string; host: string; port: number; revision: number }> {
    return this.catalog
      .list()
      .filter((e) => e.external && e.serviceId === serviceId && entryStatus(e) !== "critical")
      .map((e) => ({ id: e.id, host: e.address, port: e.port, revision: 0 }));
  }

  stop(): void {
    for (const tracked of this.external.values()) tracked.checks.forEach((c) => c.stop());
  }

  private publish(tracked: Tracked): void {
    const { record } = tracked;
    this.catalog.upsert({
      id: record.id,
      serviceId: record.serviceId,
      serviceName: record.serviceName,
      address: record.address,
      port: record.port,
      tags: record.tags,
      meta: record.meta,
      external: true,
      checks: tracked.checks.map((c) => c.view()),
    });
  }
}
