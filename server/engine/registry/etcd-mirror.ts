import { entryStatus, type CatalogEntry } from "../../contracts/catalog";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { Catalog } from "./catalog";
import { IntegrationHealth, type Integration } from "./integration";
import { SerialSync } from "./serial-sync";

export type EtcdMirrorOptions = {
  /** etcd client URLs, e.g. http://127.0.0.1:2379; tried in turn. */
  endpoints: string[];
  catalog: Catalog;
  clock: Clock;
  log: Logger;
  leaseSeconds: number;
  prefix?: string;
};

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The key just past every key starting with `prefix` (etcd's range_end for a prefix). */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  bytes[bytes.length - 1]!++;
  return bytes.toString("base64");
}

/**
 * Mirrors ready endpoints into etcd: `/gantry/services/<service>/<id>` → JSON, every key on one
 * lease that Gantry keeps alive. A key goes when its endpoint leaves rotation; all of them go when
 * Gantry stops (lease revoked) or dies (lease expires). After etcd was unreachable, everything is
 * written again under a new lease. Uses etcd's v3 JSON gateway, so no client library is needed.
 */
export class EtcdMirror implements Integration {
  private readonly prefix: string;
  private readonly health: IntegrationHealth;
  private readonly syncer: SerialSync;
  private lease: string | undefined;
  private readonly written = new Map<string, string>();
  private endpoint = 0;
  private keepAliveLoop: Loop | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EtcdMirrorOptions) {
    this.prefix = options.prefix ?? "/gantry/services/";
    this.health = new IntegrationHealth("etcd", options.endpoints.join(", "), options.clock);
    this.syncer = new SerialSync({
      clock: options.clock,
      log: options.log,
      what: "etcd mirror",
      apply: () => this.apply(),
      succeeded: (recovered) => {
        this.health.succeeded();
        if (recovered) options.log.info({ endpoint: this.url() }, "etcd reachable again; endpoints mirrored");
      },
      failed: (err) => {
        this.health.failed(err);
        // Start over on a fresh lease: keys may have expired while etcd was away.
        this.lease = undefined;
        this.endpoint = (this.endpoint + 1) % options.endpoints.length;
      },
    });
  }

  status() {
    return this.health.status(`${this.written.size} key${this.written.size === 1 ? "" : "s"}`);
  }

  start(): void {
    this.unsubscribe = this.options.catalog.subscribe(() => void this.syncer.request());
    const { clock, log, leaseSeconds } = this.options;
    this.keepAliveLoop = every(clock, (leaseSeconds * 1000) / 3, "etcd lease keep-alive", log, () => this.keepAlive());
    void this.syncer.request();
  }

  async stop(): Promise<void> {
    this.syncer.stop();
    this.unsubscribe?.();
    this.keepAliveLoop?.stop();
    if (this.lease) await this.call("/v3/lease/revoke", { ID: this.lease }).catch(() => {}); // its keys go with it
  }

  private async keepAlive(): Promise<void> {
    if (!this.lease || this.syncer.busy) return;
    try {
      const answer = (await this.call("/v3/lease/keepalive", { ID: this.lease })) as { result?: { TTL?: string } };
      if (answer.result?.TTL && answer.result.TTL !== "0") return;
      this.lease = undefined; // it had expired (etcd was away too long)
    } catch {
      this.lease = undefined;
    }
    await this.syncer.request();
  }

  private async apply(): Promise<void> {
    if (!this.lease) {
      const granted = (await this.call("/v3/lease/grant", { TTL: this.options.leaseSeconds })) as { ID: string };
      this.lease = granted.ID;
      this.written.clear();
      // Whatever an earlier Gantry left (its lease may not have run out yet) is replaced.
      await this.call("/v3/kv/deleterange", { key: b64(this.prefix), range_end: prefixEnd(this.prefix) });
    }
    const desired = this.desired();
    for (const [key, value] of desired) {
      if (this.written.get(key) === value) continue;
      await this.call("/v3/kv/put", { key: b64(key), value: b64(value), lease: this.lease });
      this.written.set(key, value);
    }
    for (const key of [...this.written.keys()]) {
      if (desired.has(key)) continue;
      await this.call("/v3/kv/deleterange", { key: b64(key) });
      this.written.delete(key);
    }
  }

  private desired(): Map<string, string> {
    const keys = new Map<string, string>();
    for (const entry of this.options.catalog.list()) {
      if (entryStatus(entry) !== "passing") continue;
      keys.set(`${this.prefix}${entry.serviceName}/${entry.id}`, JSON.stringify(valueOf(entry)));
    }
    return keys;
  }

  private url(): string {
    return this.options.endpoints[this.endpoint]!.replace(/\/$/, "");
  }

  private async call(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.url()}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`etcd ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return res.json();
  }
}

function valueOf(entry: CatalogEntry) {
  return { id: entry.id, service: entry.serviceName, address: entry.address, port: entry.port, tags: entry.tags, meta: entry.meta, external: entry.external };
}
