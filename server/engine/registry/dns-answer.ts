import { isIP } from "node:net";
import type { Answer, Question } from "dns-packet";
import { entryStatus, type CatalogEntry } from "../../contracts/catalog";
import type { Catalog } from "./catalog";

/** What answering reads from the catalog: the entries, and an index that moves on every change. */
export type CatalogReader = Pick<Catalog, "list" | "indexOf">;

export type DnsSettings = {
  /** The zone served, without the trailing dot: Consul's `consul`. */
  domain: string;
  /** Gantry is the one datacenter, as in the Consul API. */
  datacenter: string;
  ttlSeconds: number;
  /** [0, 1), for shuffling records as Consul does (spreads clients over instances); injected for tests. */
  random: () => number;
};

export const consulDns = { domain: "consul", datacenter: "dc1" } as const;

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = (typeof Rcode)[keyof typeof Rcode];

/** The sections of a reply to one question, before it is put on the wire. */
export type DnsAnswer = {
  rcode: Rcode;
  /** Set for every name inside the zone, whether it exists or not (AA bit). */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
};

/** What a name inside the zone asks for, once the domain and datacenter are taken off. */
type Lookup = { kind: "apex" } | { kind: "service"; service: string; tag: string | undefined } | { kind: "addr"; address: string } | { kind: "none" };

/**
 * Answers one question from the catalog, Consul's way:
 * - `[<tag>.]<service>.service[.<dc>].consul` and RFC 2782's `_<service>._<tag|tcp>.service[.<dc>].consul`:
 *   A/AAAA records of the passing instances' addresses, or SRV records (priority 1, weight 1)
 *   whose targets are `<hex address>.addr.<dc>.consul` with their A/AAAA in the additional section;
 * - `<hex address>.addr[.<dc>].consul`: the address those targets name;
 * - the zone's apex: its SOA.
 * Names are matched case-insensitively, and answered under the name exactly as asked. A service
 * with no passing instance, like any unknown name in the zone, is NXDOMAIN with the SOA in the
 * authority section (negative caching); a name that exists without records of the asked type is
 * NOERROR with the SOA (NODATA). Names outside the zone and zone transfers are REFUSED.
 */
export function answer(question: Question, catalog: CatalogReader, settings: DnsSettings): DnsAnswer {
  const refused: DnsAnswer = { rcode: Rcode.REFUSED, authoritative: false, answers: [], authorities: [], additionals: [] };
  if (question.type === "AXFR" || question.type === "IXFR") return refused;
  if (question.class !== undefined && question.class !== "IN" && question.class !== "ANY") return refused;
  const labels = question.name.toLowerCase().split(".").filter(Boolean);
  if (labels.at(-1) !== settings.domain) return refused;

  const soa = soaRecord(catalog, settings);
  const nxdomain: DnsAnswer = { rcode: Rcode.NXDOMAIN, authoritative: true, answers: [], authorities: [soa], additionals: [] };
  const found = (answers: Answer[], additionals: Answer[] = []): DnsAnswer =>
    answers.length > 0
      ? { rcode: Rcode.NOERROR, authoritative: true, answers, authorities: [], additionals }
      : { rcode: Rcode.NOERROR, authoritative: true, answers: [], authorities: [soa], additionals: [] };
  const ttl = settings.ttlSeconds;
  const lookup = parseName(labels.slice(0, -1), settings.datacenter);

  switch (lookup.kind) {
    case "none":
      return nxdomain;
    case "apex":
      return found(question.type === "SOA" || question.type === ("ANY" as string) ? [soa] : []);
    case "addr":
      return found(wants(question, isIP(lookup.address) === 6 ? "AAAA" : "A") ? [addressRecord(question.name, lookup.address, ttl)] : []);
    case "service": {
      const instances = shuffled(passingInstances(catalog, lookup.service, lookup.tag), settings.random);
      if (instances.length === 0) return nxdomain;
      if (question.type === "SRV") return srvAnswer(question.name, instances, settings);
      const answers: Answer[] = [];
      const seen = new Set<string>(); // instances sharing an address give one record
      for (const { address } of instances) {
        if (seen.has(address)) continue;
        seen.add(address);
        const family = isIP(address);
        if (family === 0) {
          if (wants(question, "A") || wants(question, "AAAA")) answers.push({ name: question.name, type: "CNAME", ttl, data: address });
        } else if (wants(question, family === 6 ? "AAAA" : "A")) answers.push(addressRecord(question.name, address, ttl));
      }
      return found(answers);
    }
  }
}

/** Labels below the domain → what they name. */
function parseName(labels: string[], datacenter: string): Lookup {
  if (labels.length === 0) return { kind: "apex" };
  // `.dc1.consul` and Consul's explicit `.dc1.dc.consul`; another datacenter is unknown here.
  let rest = labels;
  if (rest.at(-1) === "dc" && rest.at(-2) === datacenter) rest = rest.slice(0, -2);
  else if (rest.at(-1) === datacenter) rest = rest.slice(0, -1);
  const kind = rest.at(-1);
  const parts = rest.slice(0, -1);
  if (kind === "addr" && parts.length === 1) {
    const address = decodeAddr(parts[0]!);
    return address ? { kind: "addr", address } : { kind: "none" };
  }
  if (kind !== "service") return { kind: "none" };
  if (parts.length === 1) return { kind: "service", service: parts[0]!, tag: undefined };
  if (parts.length !== 2) return { kind: "none" };
  const [first, second] = parts as [string, string];
  if (first.startsWith("_") && second.startsWith("_")) {
    // RFC 2782: `_api._tcp` asks for every instance; any other protocol label is a tag, as in Consul.
    const tag = second.slice(1);
    return { kind: "service", service: first.slice(1), tag: tag === "tcp" ? undefined : tag };
  }
  return { kind: "service", service: second, tag: first };
}

function passingInstances(catalog: CatalogReader, service: string, tag: string | undefined): CatalogEntry[] {
  return catalog
    .list()
    .filter((e) => e.serviceName.toLowerCase() === service && entryStatus(e) === "passing" && (tag === undefined || e.tags.some((t) => t.toLowerCase() === tag)));
}

function srvAnswer(name: string, instances: CatalogEntry[], settings: DnsSettings): DnsAnswer {
  const ttl = settings.ttlSeconds;
  const answers: Answer[] = [];
  const additionals = new Map<string, Answer>();
  for (const { address, port } of instances) {
    // An address that is a host name is the target itself; an IP gets Consul's addr name, answered beside it.
    const target = isIP(address) === 0 ? address : `${encodeAddr(address)}.addr.${settings.datacenter}.${settings.domain}`;
    answers.push({ name, type: "SRV", ttl, data: { priority: 1, weight: 1, port, target } });
    if (isIP(address) !== 0 && !additionals.has(target)) additionals.set(target, addressRecord(target, address, ttl));
  }
  return { rcode: Rcode.NOERROR, authoritative: true, answers, authorities: [], additionals: [...additionals.values()] };
}

function wants(question: Question, type: "A" | "AAAA"): boolean {
  return question.type === type || question.type === ("ANY" as string);
}

function addressRecord(name: string, address: string, ttl: number): Answer {
  return { name, type: isIP(address) === 6 ? "AAAA" : "A", ttl, data: address };
}

/**
 * The zone's SOA, in the authority section of negative answers. Its minimum (the negative-caching
 * TTL) is the record TTL, so a service that comes up is seen as soon as a positive answer would be;
 * its serial moves with the catalog.
 */
function soaRecord(catalog: CatalogReader, settings: DnsSettings): Answer {
  const ttl = settings.ttlSeconds;
  const data = { mname: `ns.${settings.domain}`, rname: `hostmaster.${settings.domain}`, serial: catalog.indexOf() % 2 ** 32, refresh: 3600, retry: 600, expire: 86400, minimum: ttl };
  return { name: settings.domain, type: "SOA", ttl, data };
}

/** Consul's addr label: an IPv4 address as 8 hex digits (127.0.0.1 → 7f000001), IPv6 as 32. */
export function encodeAddr(address: string): string {
  if (isIP(address) === 4) return address.split(".").map((octet) => Number(octet).toString(16).padStart(2, "0")).join("");
  return expandIpv6(address).map((group) => group.padStart(4, "0")).join("");
}

function decodeAddr(label: string): string | undefined {
  if (/^[0-9a-f]{8}$/.test(label)) return [0, 2, 4, 6].map((i) => parseInt(label.slice(i, i + 2), 16)).join(".");
  if (/^[0-9a-f]{32}$/.test(label)) {
    const groups = Array.from({ length: 8 }, (_, i) => parseInt(label.slice(i * 4, i * 4 + 4), 16).toString(16));
    return groups.join(":");
  }
  return undefined;
}

/** An IPv6 address's 8 groups, `::` filled in (an embedded IPv4 tail becomes two groups). */
function expandIpv6(address: string): string[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  if (tail === undefined) return left;
  const right = tail ? tail.split(":") : [];
  return [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
}

/** Fisher–Yates with the injected random source. */
function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
