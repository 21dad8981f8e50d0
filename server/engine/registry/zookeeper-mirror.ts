import zookeeper from "node-zookeeper-client";
import { entryStatus, type CatalogEntry } from "../../contracts/catalog";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { Catalog } from "./catalog";
import { IntegrationHealth, type Integration } from "./integration";
import { SerialSync } from "./serial-sync";
import { isZooKeeperError, ZooKeeperCode, ZooKeeperSession } from "./zookeeper-session";

export type ZooKeeperMirrorOptions = {
  /** ZooKeeper's connect string: `host:port,host:port`, optionally with a chroot (`…/apps`). */
  connect: string;
  catalog: Catalog;
  clock: Clock;
  log: Logger;
  sessionTimeoutSeconds: number;
  /** Curator's base path; each service's instances are its children's children. */
  basePath?: string;
};

/**
 * An endpoint as Apache Curator's ServiceDiscovery stores it (`ServiceInstance` written by
 * `JsonInstanceSerializer`), so a JVM client's `ServiceDiscovery<Map>` reads Gantry's endpoints.
 * `enabled` (Curator ≥ 2.10) is left out, as Curator's own compatible mode does: newer readers
 * default it to true, and older ones would refuse the unknown field.
 */
export type CuratorServiceInstance = {
  name: string;
  id: string;
  address: string;
  port: number;
  sslPort: null;
  /** Jackson's type id comes first, as Curator writes it (`@JsonTypeInfo(use = CLASS)` on payload). */
  payload: { "@class": "java.util.LinkedHashMap"; serviceId: string; tags: string[]; meta: Record<string, string>; revision: number | null; external: boolean };
  registrationTimeUTC: number;
  /** DYNAMIC: an ephemeral registration, gone with its session (STATIC ones are persistent). */
  serviceType: "DYNAMIC";
  uriSpec: null;
};

export function curatorInstance(entry: CatalogEntry, registeredAt: number): CuratorServiceInstance {
  const revision = Number(entry.meta.gantry_revision);
  return {
    name: entry.serviceName,
    id: entry.id,
    address: entry.address,
    port: entry.port,
    sslPort: null,
    payload: {
      "@class": "java.util.LinkedHashMap",
      serviceId: entry.serviceId,
      tags: entry.tags,
      meta: entry.meta,
      revision: entry.external || !Number.isInteger(revision) ? null : revision,
      external: entry.external,
    },
    registrationTimeUTC: registeredAt,
    serviceType: "DYNAMIC",
    uriSpec: null,
  };
}

/**
 * Mirrors ready endpoints into ZooKeeper in Curator's service discovery layout: an ephemeral
 * `/gantry/services/<service>/<id>` per endpoint (parents persistent). A znode goes when its
 * endpoint leaves rotation; all go at once when Gantry stops (its session is closed) and within the
 * session timeout when it dies. After a failed request or an expired session, a new session writes
 * everything again, replacing znodes an earlier session left at the same paths.
 */
export class ZooKeeperMirror implements Integration {
  private readonly basePath: string;
  private readonly health: IntegrationHealth;
  private session: ZooKeeperSession | undefined;
  /** Invariant: exactly the znodes the current session created and still owns, with their data. */
  private readonly written = new Map<string, string>();
  /**
   * Services under which this session created znodes. A service's znode goes once the service has
   * left the catalog; while it is merely unready it stays, so an endpoint coming back costs one request.
   */
  private readonly servicesWritten = new Set<string>();
  /** When each endpoint was first seen passing: Curator's registrationTimeUTC, kept across sessions. */
  private readonly registeredAt = new Map<string, number>();
  private stopped = false;
  private readonly syncer: SerialSync;
  private unsubscribe: (() => void) | undefined;
  /** Endpoints whose names ZooKeeper would refuse, already logged. */
  private readonly unnamable = new Set<string>();

  constructor(private readonly options: ZooKeeperMirrorOptions) {
    this.basePath = (options.basePath ?? "/gantry/services").replace(/\/$/, "");
    this.health = new IntegrationHealth("zookeeper", options.connect, options.clock);
    this.syncer = new SerialSync({
      clock: options.clock,
      log: options.log.child({ connect: options.connect }),
      what: "ZooKeeper mirror",
      apply: () => this.apply(),
      succeeded: (recovered) => {
        this.health.succeeded();
        if (recovered) options.log.info({ connect: options.connect }, "ZooKeeper reachable again; endpoints mirrored");
      },
      failed: (err) => {
        this.health.failed(err);
        // Whether the failed request took effect is unknown: start over on a new session.
        this.dropSession();
      },
    });
  }

  status() {
    return this.health.status(`${this.written.size} znode${this.written.size === 1 ? "" : "s"}`);
  }

  start(): void {
    this.unsubscribe = this.options.catalog.subscribe(() => void this.syncer.request());
    void this.syncer.request();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.syncer.stop();
    this.unsubscribe?.();
    const session = this.session;
    this.session = undefined;
    await session?.close(); // its ephemerals go with it
  }

  private dropSession(): void {
    void this.session?.close();
    this.session = undefined;
    this.written.clear();
    this.servicesWritten.clear();
  }

  private async openSession(): Promise<ZooKeeperSession> {
    const { connect, sessionTimeoutSeconds, log } = this.options;
    const session = await ZooKeeperSession.open(connect, sessionTimeoutSeconds * 1000, {
      onDisconnected: () => {
        if (this.session !== session) return;
        this.health.failed(new Error(`lost the connection to ZooKeeper at ${connect}; reconnecting`));
        log.warn({ connect }, "lost the connection to ZooKeeper; reconnecting before the session expires");
      },
      onReconnected: () => {
        if (this.session === session) void this.syncer.request();
      },
      onExpired: () => {
        if (this.session !== session) return;
        log.warn({ connect }, "ZooKeeper session expired; writing every endpoint again on a new session");
        this.dropSession();
        void this.syncer.request();
      },
    });
    if (session.sessionTimeoutMs !== sessionTimeoutSeconds * 1000) {
      log.info({ requestedMs: sessionTimeoutSeconds * 1000, grantedMs: session.sessionTimeoutMs }, "ZooKeeper granted a different session timeout (its tickTime bounds it)");
    }
    return session;
  }

  private async apply(): Promise<void> {
    if (!this.session) {
      this.written.clear();
      this.servicesWritten.clear();
      const opened = await this.openSession();
      if (this.stopped) return void (await opened.close()); // stopped while connecting
      this.session = opened;
    }
    const session = this.session;
    const { desired, services } = this.desired();
    for (const [path, { service, data }] of desired) {
      const current = this.written.get(path);
      if (current === data) continue;
      if (current === undefined) {
        this.servicesWritten.add(service);
        await this.createReplacing(session, path, data);
      } else await session.setData(path, Buffer.from(data));
      this.written.set(path, data);
    }
    for (const path of [...this.written.keys()]) {
      if (desired.has(path)) continue;
      await ignoring(ZooKeeperCode.NO_NODE, session.remove(path));
      this.written.delete(path);
    }
    for (const service of this.servicesWritten) {
      if (services.has(service)) continue;
      await this.removeService(session, service);
      this.servicesWritten.delete(service);
    }
  }

  /** Creates the ephemeral znode, its parents as needed; one left by another session is replaced. */
  private async createReplacing(session: ZooKeeperSession, path: string, data: string): Promise<void> {
    const create = () => session.create(path, Buffer.from(data), zookeeper.CreateMode.EPHEMERAL);
    try {
      await create();
    } catch (err) {
      if (isZooKeeperError(err, ZooKeeperCode.NO_NODE)) {
        await session.mkdirp(path.slice(0, path.lastIndexOf("/")));
      } else if (isZooKeeperError(err, ZooKeeperCode.NODE_EXISTS)) {
        this.options.log.info({ path }, "replacing a znode an earlier session left");
        await ignoring(ZooKeeperCode.NO_NODE, session.remove(path));
      } else throw err;
      await create();
    }
  }

  /** Unless someone else (a JVM service) registered under it too. */
  private async removeService(session: ZooKeeperSession, service: string): Promise<void> {
    await ignoring(ZooKeeperCode.NOT_EMPTY, ignoring(ZooKeeperCode.NO_NODE, session.remove(`${this.basePath}/${service}`)));
  }

  /** The znodes that should exist, and every service in the catalog, passing or not. */
  private desired(): { desired: Map<string, { service: string; data: string }>; services: Set<string> } {
    const znodes = new Map<string, { service: string; data: string }>();
    const services = new Set<string>();
    const now = this.options.clock.now();
    for (const entry of this.options.catalog.list()) {
      services.add(entry.serviceName);
      if (entryStatus(entry) !== "passing") continue;
      if (!isZnodeName(entry.serviceName) || !isZnodeName(entry.id)) {
        const key = `${entry.serviceName}/${entry.id}`;
        if (!this.unnamable.has(key)) this.options.log.warn({ service: entry.serviceName, id: entry.id }, "not mirrored into ZooKeeper: not a valid znode name");
        this.unnamable.add(key);
        continue;
      }
      const path = `${this.basePath}/${entry.serviceName}/${entry.id}`;
      const registeredAt = this.registeredAt.get(path) ?? now;
      this.registeredAt.set(path, registeredAt);
      znodes.set(path, { service: entry.serviceName, data: JSON.stringify(curatorInstance(entry, registeredAt)) });
    }
    for (const path of this.registeredAt.keys()) if (!znodes.has(path)) this.registeredAt.delete(path);
    return { desired: znodes, services };
  }
}

/** What ZooKeeper accepts as one path segment (its PathUtils.validatePath), so one odd name can't fail every sync. */
export function isZnodeName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(name);
}

/** Resolves when `request` succeeds or fails with ZooKeeper error `code`. */
async function ignoring(code: number, request: Promise<void>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isZooKeeperError(err, code)) throw err;
  }
}
