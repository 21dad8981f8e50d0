import * as dnsPacket from "dns-packet";
import type { Answer, Question, RecordType } from "dns-packet";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { Catalog, type CatalogEntryInput } from "./catalog";
import { catalogEntry } from "../../testing/catalog";
import { answer, consulDns, encodeAddr, Rcode, type DnsSettings } from "./dns-answer";
import { handleMessage } from "./dns-message";

const entry = catalogEntry;
const failing = [{ id: "c", name: "c", kind: "ttl" as const, status: "critical" as const, output: "" }];
const warning = [{ id: "w", name: "w", kind: "ttl" as const, status: "warning" as const, output: "" }];

function catalogOf(...entries: CatalogEntryInput[]): Catalog {
  const catalog = new Catalog(silentLogger);
  entries.forEach((e) => catalog.upsert(e));
  return catalog;
}

const settings: DnsSettings = { ...consulDns, ttlSeconds: 0, random: () => 0.999 };
const ask = (catalog: Catalog, name: string, type: string = "A", extra: Partial<DnsSettings> = {}) =>
  answer({ name, type: type as RecordType, class: "IN" }, catalog, { ...settings, ...extra });
const data = (records: Answer[]) => records.map((r) => (r as { data?: unknown }).data);
const portOf = (record: Answer) => (record as { data: { port: number } }).data.port;

describe("answer (Consul's DNS over the catalog)", () => {
  const catalog = catalogOf(
    entry("api-1", "api", { port: 20001, tags: ["v1", "Primary"] }),
    entry("api-2", "api", { port: 20002, tags: ["v2"] }),
    entry("api-3", "api", { port: 20003, address: "10.0.0.3" }),
    entry("api-4", "api", { port: 20004, checks: failing }),
    entry("api-5", "api", { port: 20005, checks: warning }),
    entry("db-1", "Postgres", { address: "db.example.com", port: 5432, external: true }),
    entry("v6-1", "v6", { address: "2001:db8::1", port: 7000 }),
  );

  it("answers A with one record per passing address (duplicates folded), under the name as asked", () => {
    const reply = ask(catalog, "API.service.Consul");
    expect(reply).toMatchObject({ rcode: Rcode.NOERROR, authoritative: true, authorities: [], additionals: [] });
    expect(data(reply.answers).sort()).toEqual(["10.0.0.3", "127.0.0.1"]);
    expect(reply.answers.every((r) => r.name === "API.service.Consul" && r.type === "A" && "ttl" in r && r.ttl === 0)).toBe(true);
  });

  it("answers SRV with every passing instance, Consul's addr targets and their A records beside", () => {
    const reply = ask(catalog, "api.service.consul", "SRV", { ttlSeconds: 5 });
    expect(reply.rcode).toBe(Rcode.NOERROR);
    expect(data(reply.answers).sort((a, b) => (a as { port: number }).port - (b as { port: number }).port)).toEqual([
      { priority: 1, weight: 1, port: 20001, target: "7f000001.addr.dc1.consul" },
      { priority: 1, weight: 1, port: 20002, target: "7f000001.addr.dc1.consul" },
      { priority: 1, weight: 1, port: 20003, target: "0a000003.addr.dc1.consul" },
    ]);
    expect(reply.additionals.map((r) => [r.name, r.type, "data" in r && r.data]).sort()).toEqual([
      ["0a000003.addr.dc1.consul", "A", "10.0.0.3"],
      ["7f000001.addr.dc1.consul", "A", "127.0.0.1"],
    ]);
    expect(reply.answers.every((r) => "ttl" in r && r.ttl === 5)).toBe(true);
  });

  it.each([
    ["v1.api.service.consul", [20001]],
    ["primary.api.service.consul", [20001]],
    ["_api._tcp.service.consul", [20001, 20002, 20003]],
    ["_api._v2.service.consul", [20002]],
    ["api.service.dc1.consul", [20001, 20002, 20003]],
    ["api.service.dc1.dc.consul", [20001, 20002, 20003]],
  ])("%s filters as Consul does", (name, ports) => {
    const reply = ask(catalog, name, "SRV");
    expect(reply.answers.map(portOf).sort()).toEqual(ports);
  });

  it.each([
    ["nope.service.consul", "A"],
    ["v9.api.service.consul", "SRV"],
    ["api.service.dc2.consul", "A"],
    ["a.b.api.service.consul", "A"],
    ["api.node.consul", "A"],
    ["zzzzzzzz.addr.dc1.consul", "A"],
    ["consul.consul", "A"],
  ])("%s %s is NXDOMAIN with the SOA for negative caching", (name, type) => {
    const reply = ask(catalog, name, type);
    expect(reply).toMatchObject({ rcode: Rcode.NXDOMAIN, authoritative: true, answers: [] });
    expect(reply.authorities).toMatchObject([{ name: "consul", type: "SOA", data: { mname: "ns.consul", minimum: 0 } }]);
  });

  it("is NXDOMAIN for a service whose every instance is failing, as Consul is", () => {
    const only = catalogOf(entry("w-1", "web", { checks: failing }));
    expect(ask(only, "web.service.consul").rcode).toBe(Rcode.NXDOMAIN);
  });

  it("answers NODATA (NOERROR, SOA, no records) for a type a name doesn't have", () => {
    for (const [name, type] of [["api.service.consul", "AAAA"], ["api.service.consul", "TXT"], ["consul", "A"], ["7f000001.addr.dc1.consul", "AAAA"]] as const) {
      const reply = ask(catalog, name, type);
      expect(reply, `${name} ${type}`).toMatchObject({ rcode: Rcode.NOERROR, answers: [], authorities: [{ type: "SOA" }] });
    }
  });

  it("answers AAAA and v6 addr targets for IPv6 instances, and CNAME for host names", () => {
    expect(data(ask(catalog, "v6.service.consul", "AAAA").answers)).toEqual(["2001:db8::1"]);
    expect(data(ask(catalog, "v6.service.consul", "SRV").answers)[0]).toMatchObject({ target: "20010db8000000000000000000000001.addr.dc1.consul" });
    expect(data(ask(catalog, "20010db8000000000000000000000001.addr.dc1.consul", "AAAA").answers)).toEqual(["2001:db8:0:0:0:0:0:1"]);
    expect(ask(catalog, "postgres.service.consul", "A").answers).toMatchObject([{ type: "CNAME", data: "db.example.com" }]);
    expect(ask(catalog, "postgres.service.consul", "SRV")).toMatchObject({ answers: [{ data: { port: 5432, target: "db.example.com" } }], additionals: [] });
  });

  it("resolves the addr names it hands out", () => {
    expect(ask(catalog, "7F000001.addr.dc1.consul").answers).toMatchObject([{ name: "7F000001.addr.dc1.consul", type: "A", data: "127.0.0.1" }]);
    expect(ask(catalog, "0a000003.addr.consul").answers).toMatchObject([{ data: "10.0.0.3" }]);
  });

  it("answers the apex SOA, whose serial moves with the catalog", () => {
    const own = catalogOf(entry("a-1", "a"));
    const before = (data(ask(own, "consul", "SOA").answers)[0] as { serial: number }).serial;
    own.upsert(entry("a-2", "a"));
    expect((data(ask(own, "consul.", "SOA").answers)[0] as { serial: number }).serial).toBe((before + 1) % 2 ** 32);
  });

  it.each([
    ["example.com", "A"],
    ["api.service.consul.example.com", "A"],
    ["", "A"],
    ["consul", "AXFR"],
    ["api.service.consul", "IXFR"],
  ])("refuses %s %s (outside the zone, or a zone transfer), not authoritatively", (name, type) => {
    expect(ask(catalog, name, type)).toMatchObject({ rcode: Rcode.REFUSED, authoritative: false, answers: [], authorities: [] });
  });

  it("refuses classes other than IN", () => {
    const question: Question = { name: "api.service.consul", type: "A", class: "CH" };
    expect(answer(question, catalog, settings).rcode).toBe(Rcode.REFUSED);
  });

  it("shuffles instances with the injected random source", () => {
    const orders = new Set([0, 0.4, 0.999].map((r) => ask(catalog, "api.service.consul", "SRV", { random: () => r }).answers.map(portOf).join()));
    expect(orders.size).toBeGreaterThan(1);
  });

  it("encodes addresses as Consul's addr labels", () => {
    expect(encodeAddr("127.0.0.1")).toBe("7f000001");
    expect(encodeAddr("::1")).toBe("00000000000000000000000000000001");
    expect(encodeAddr("::ffff:10.0.0.1")).toBe("00000000000000000000ffff0a000001");
  });
});

describe("handleMessage (wire in, wire out)", () => {
  const many = catalogOf(entry("one-1", "one"), ...Array.from({ length: 40 }, (_, i) => entry(`big-${i}`, "big", { port: 21000 + i, address: `10.0.${i}.1` })));
  const query = (name: string, type: RecordType, extra: Partial<dnsPacket.Packet> = {}) =>
    dnsPacket.encode({ type: "query", id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: "IN" }], ...extra });
  const reply = (bytes: Buffer, transport: "udp" | "tcp" = "udp") => {
    const outcome = handleMessage(bytes, transport, many, settings);
    return { outcome, packet: outcome.reply && dnsPacket.decode(outcome.reply), size: outcome.reply?.length ?? 0 };
  };
  const rcodeOf = (packet: dnsPacket.DecodedPacket | undefined) => (packet?.flags ?? 0) & 0xf;
  const edns = (udpPayloadSize: number, ednsVersion = 0) => ({ additionals: [{ type: "OPT" as const, name: ".", udpPayloadSize, extendedRcode: 0, ednsVersion, flags: 0, flag_do: false, options: [] }] });

  it("echoes id, question and RD, sets QR and AA, and never RA", () => {
    const { packet } = reply(query("one.service.consul", "A"));
    expect(packet).toMatchObject({ id: 4242, type: "response", flag_qr: true, flag_aa: true, flag_rd: true, flag_ra: false, flag_tc: false });
    expect(packet!.questions).toEqual([{ name: "one.service.consul", type: "A", class: "IN" }]);
    expect(packet!.answers).toMatchObject([{ name: "one.service.consul", type: "A", data: "127.0.0.1" }]);
  });

  it("cuts a UDP reply to 512 bytes without EDNS, to the size offered with it, with TC; TCP gets it whole", () => {
    const plain = reply(query("big.service.consul", "SRV"));
    expect(plain.size).toBeLessThanOrEqual(512);
    expect(plain.packet).toMatchObject({ flag_tc: true, additionals: [] });
    expect(plain.packet!.answers!.length).toBeGreaterThan(5);

    const offered = reply(query("big.service.consul", "SRV", edns(1232)));
    expect(offered.size).toBeLessThanOrEqual(1232);
    expect(offered.size).toBeGreaterThan(512);
    expect(offered.packet!.flag_tc).toBe(true);
    expect(offered.packet!.additionals).toMatchObject([{ type: "OPT", udpPayloadSize: 4096 }]);

    const whole = reply(query("big.service.consul", "SRV"), "tcp");
    expect(whole.packet).toMatchObject({ flag_tc: false });
    expect(whole.packet!.answers).toHaveLength(40);
    expect(whole.packet!.additionals).toHaveLength(40);

    const small = reply(query("big.service.consul", "A", edns(4096)));
    expect(small.packet).toMatchObject({ flag_tc: false });
    expect(small.packet!.answers).toHaveLength(40);
  });

  it("answers NOTIMP to other opcodes, FORMERR to no question or two, and ignores responses", () => {
    const notify = query("consul", "SOA");
    notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
    expect(rcodeOf(reply(notify).packet)).toBe(Rcode.NOTIMP);
    expect(rcodeOf(reply(dnsPacket.encode({ type: "query", id: 1, questions: [] })).packet)).toBe(Rcode.FORMERR);
    const two = dnsPacket.encode({ type: "query", id: 1, questions: [{ name: "a.service.consul", type: "A" }, { name: "b.service.consul", type: "A" }] });
    expect(rcodeOf(reply(two).packet)).toBe(Rcode.FORMERR);
    expect(reply(dnsPacket.encode({ type: "response", id: 1, questions: [{ name: "big.service.consul", type: "A" }] })).outcome).toEqual({ kind: "ignored", reply: undefined });
  });

  it("answers FORMERR (id kept) to what it can't decode, and drops what has no header", () => {
    const cut = query("big.service.consul", "A").subarray(0, 20);
    expect(reply(cut)).toMatchObject({ outcome: { kind: "malformed" }, packet: { id: 4242, questions: [] } });
    expect(rcodeOf(reply(cut).packet)).toBe(Rcode.FORMERR);
    expect(reply(Buffer.from([1, 2, 3])).outcome).toMatchObject({ kind: "malformed", reply: undefined });
  });

  it("answers BADVERS to an EDNS version it doesn't speak", () => {
    const { packet } = reply(query("big.service.consul", "A", edns(1232, 1)));
    expect(packet!.additionals).toMatchObject([{ type: "OPT", extendedRcode: 1 }]);
    expect(packet!.answers).toEqual([]);
  });
});
