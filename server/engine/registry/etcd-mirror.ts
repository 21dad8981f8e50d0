import { entryStatus, type CatalogEntry } from "../../contracts/catalog";
import { exponentialBackoff } from "../../lib/backoff";
import type { Clock, Timer } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { Catalog } from "./catalog";
import { IntegrationHealth, type Integration } from "./integration";

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
  private lease: string | undefined;
  private readonly written = new Map<string, string>();
  private syncing = false;
  private again = false;
  private failures = 0;
  private endpoint = 0;
  private retry: Timer | undefined;
  private keepAliveLoop: Loop | undefined;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EtcdMirrorOptions) {
    this.prefix = options.prefix ?? "/gantry/services/";
    this.health = new IntegrationHealth("etcd", options.endpoints.join(", "), options.clock);
  }

  status() {
    return this.health.status(`${this.written.size} key${this.written.size === 1 ? "" : "s"}`);
  }

  start(): void {
    this.unsubscribe = this.options.catalog.subscribe(() => void this.sync());
    const { clock, log, leaseSeconds } = this.options;
    this.keepAliveLoop = every(clock, (leaseSeconds * 1000) / 3, "etcd lease keep-alive", log, () => this.keepAlive());
    void this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.keepAliveLoop?.stop();
    if (this.retry) this.options.clock.clearTimeout(this.retry);
    if (this.lease) await this.call("/v3/lease/revoke", { ID: this.lease }).catch(() => {}); // its keys go with it
  }

  /** Writes what changed; serialised, and re-run if the catalog changed meanwhile. */
  private async sync(): Promise<void> {
    if (this.stopped) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        await this.apply();
      } while (this.again && !this.stopped);
      this.health.succeeded();
      if (this.failures > 0) this.options.log.info({ endpoint: this.url() }, "etcd reachable again; endpoints mirrored");
      this.failures = 0;
    } catch (err) {
      this.health.failed(err);
      // Start over on a fresh lease: keys may have expired while etcd was away.
      this.lease = undefined;
      this.endpoint = (this.endpoint + 1) % this.options.endpoints.length;
      const delay = exponentialBackoff(this.failures++, { initialMs: 500, maxMs: 10_000 });
      this.options.log.warn({ err: String(err), retryInMs: delay }, "etcd mirror failed; retrying");
      if (!this.stopped && !this.retry) {
        this.retry = this.options.clock.setTimeout(() => {
          this.retry = undefined;
          void this.sync();
        }, delay);
      }
    } finally {
      this.syncing = false;
    }
  }

  private async keepAlive(): Promise<void> {
    if (!this.lease || this.syncing) return;
    try {
      const answer = (await this.call("/v3/lease/keepalive", { ID: this.lease })) as { result?: { TTL?: string } };
      if (answer.result?.TTL && answer.result.TTL !== "0") return;
      this.lease = undefined; // it had expired (etcd was away too long)
    } catch {
      this.lease = undefined;
    }
    await this.sync();
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
