import { execFile, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import Consul from "consul";
import * as dnsPacket from "dns-packet";
import type { DecodedPacket, RecordType } from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog, type CatalogEntryInput } from "./engine/registry/catalog";
import { DnsServer } from "./engine/registry/dns-server";
import { systemClock } from "./lib/clock";
import { silentLogger } from "./lib/logger";
import { fixtureTemplate, TEST_TOKEN, useTestGantry, type ApiClient } from "./testing/gantry";
import { waitFor } from "./testing/wait";

const hasDig = spawnSync("dig", ["-v"]).status === 0;
const inCi = process.env.CI === "true";
if (!hasDig) console.warn(`${inCi ? "FAILING" : "skipping"} the dig tests of the DNS interface: no dig binary (apt-get install bind9-dnsutils)`);

type Dig = { status: string; flags: string[]; answer: string[][]; authority: string[][]; additional: string[][]; raw: string };

/** Runs Debian's dig against the DNS interface and splits its output into sections of records. */
function dig(port: number, ...args: string[]): Promise<Dig> {
  return new Promise((resolve, reject) => {
    execFile("dig", ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1", ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const section = (name: string) => {
        const start = stdout.indexOf(`;; ${name} SECTION:\n`);
        if (start < 0) return [];
        const lines = stdout.slice(start).split("\n").slice(1);
        return lines.slice(0, lines.findIndex((l) => l.trim() === "")).map((l) => l.split(/\s+/));
      };
      resolve({
        status: /status: (\w+)/.exec(stdout)?.[1] ?? "none",
        flags: /flags: ([\w ]+);/.exec(stdout)?.[1]?.split(" ") ?? [],
        answer: section("ANSWER"),
        authority: section("AUTHORITY"),
        additional: section("ADDITIONAL"),
        raw: stdout,
      });
    });
  });
}

/** The ports in SRV answer lines (`name ttl IN SRV prio weight port target`), sorted. */
const srvPorts = (result: Dig) => result.answer.filter((r) => r[3] === "SRV").map((r) => Number(r[6])).sort((a, b) => a - b);

/** The port the test Gantry's DNS interface got (it asks for any free one), from its integration status. */
async function dnsPort(api: ApiClient): Promise<number> {
  const dns = (await api.integrations.list.query()).find((i) => i.kind === "dns");
  return Number(/:(\d+)$/.exec(dns!.target)![1]);
}

/** One query over UDP with dns-packet; resolves with the decoded reply. */
async function udpQuery(port: number, message: Buffer): Promise<DecodedPacket> {
  const socket = dgram.createSocket("udp4");
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no UDP reply within 2 s")), 2000);
      socket.once("message", (reply) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(reply));
      });
      socket.send(message, port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

/** A TCP connection speaking RFC 7766 framing; collects every reply. */
function tcpClient(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  const replies: DecodedPacket[] = [];
  let pending = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => {});
  socket.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      replies.push(dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0))));
      pending = pending.subarray(2 + pending.readUInt16BE(0));
    }
  });
  return {
    socket,
    replies,
    closed,
    connected: new Promise<void>((resolve) => socket.once("connect", () => resolve())),
    send: (...messages: Buffer[]) => socket.write(Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])))),
  };
}

const query = (name: string, type: RecordType, id = 1, edns?: number) =>
  dnsPacket.encode({
    type: "query",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: "IN" }],
    additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  });
const rcodeOf = (packet: DecodedPacket) => (packet.flags ?? 0) & 0xf;

describe("DNS interface (Consul's, on GANTRY_DNS_PORT)", () => {
  const gantry = useTestGantry({ dns: { port: 0, ttlSeconds: 0 } });
  let port = 0;
  let apiPorts: number[] = [];
  beforeAll(async () => {
    port = await dnsPort(gantry.api);
    // Three fixture instances whose readiness follows their /ready (flipped by /toggle-ready), probed every 100 ms.
    const service = await gantry.api.services.create.mutate({
      name: "api",
      replicas: 3,
      template: fixtureTemplate({}, { probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 0.1, failureThreshold: 1 } } }),
    });
    const instances = await waitFor(async () => {
      const list = await gantry.api.instances.list.query({ serviceId: service.id });
      return list.length === 3 && list.every((i) => i.ready) ? list : undefined;
    }, "three ready instances");
    apiPorts = instances.map((i) => i.port!).sort((a, b) => a - b);
    // Outside endpoints on other addresses, registered through the Consul API.
    const consul = new Consul({ host: "127.0.0.1", port: gantry.gantry.port, defaults: { token: TEST_TOKEN } });
    await consul.agent.service.register({ name: "payments", id: "payments-1", address: "127.0.0.2", port: 7001, tags: ["v1"] });
    await consul.agent.service.register({ name: "payments", id: "payments-2", address: "127.0.0.3", port: 7002, tags: ["v2"] });
    for (let i = 0; i < 40; i++) await consul.agent.service.register({ name: "wide", id: `wide-${i}`, address: `127.0.1.${i + 1}`, port: 8000 + i });
  }, 30_000);

  describe.runIf(hasDig || inCi)("with dig", () => {
    it("finds dig (CI installs bind9-dnsutils)", () => expect(hasDig).toBe(true));

    it("lists exactly the passing instances as SRV records, and follows a readiness flip within a second", async () => {
      const srv = await dig(port, "api.service.consul", "SRV");
      expect(srv.status).toBe("NOERROR");
      expect(srv.flags).toContain("aa");
      expect(srvPorts(srv)).toEqual(apiPorts);
      expect(srv.answer.every((r) => r[1] === "0" && r[4] === "1" && r[5] === "1" && r[7] === "7f000001.addr.dc1.consul.")).toBe(true);
      expect(srv.additional.filter((r) => r[3] === "A")).toEqual([["7f000001.addr.dc1.consul.", "0", "IN", "A", "127.0.0.1"]]);

      const flipped = apiPorts[1]!;
      const flip = async (expected: number[]) => {
        const started = Date.now();
        await fetch(`http://127.0.0.1:${flipped}/toggle-ready`);
        await waitFor(async () => (JSON.stringify(srvPorts(await dig(port, "api.service.consul", "SRV"))) === JSON.stringify(expected) ? true : undefined), "the SRV answer to change", 5000, 20);
        return Date.now() - started;
      };
      expect(await flip(apiPorts.filter((p) => p !== flipped))).toBeLessThan(1000);
      expect(await flip(apiPorts)).toBeLessThan(1000);
    });

    it("answers A records of the passing addresses, filters by tag, and takes RFC 2782 names", async () => {
      expect((await dig(port, "api.service.consul", "A")).answer).toEqual([["api.service.consul.", "0", "IN", "A", "127.0.0.1"]]);
      await waitFor(async () => ((await dig(port, "payments.service.consul")).answer.length === 2 ? true : undefined), "the registrations");
      const payments = await dig(port, "PAYMENTS.Service.Consul", "A");
      expect(payments.answer.map((r) => r[4]).sort()).toEqual(["127.0.0.2", "127.0.0.3"]);
      expect(payments.answer[0]![0]).toBe("PAYMENTS.Service.Consul.");
      const tagged = await dig(port, "v2.payments.service.consul", "SRV");
      expect(tagged.answer.map((r) => [r[6], r[7]])).toEqual([["7002", "7f000003.addr.dc1.consul."]]);
      expect(tagged.additional.filter((r) => r[3] === "A")).toEqual([["7f000003.addr.dc1.consul.", "0", "IN", "A", "127.0.0.3"]]);
      expect(srvPorts(await dig(port, "_api._tcp.service.consul", "SRV"))).toEqual(apiPorts);
    });

    it("says NXDOMAIN with the SOA for unknown names, REFUSED outside consul., and refuses zone transfers", async () => {
      const unknown = await dig(port, "nope.service.consul", "SRV");
      expect(unknown.status).toBe("NXDOMAIN");
      expect(unknown.authority[0]!.slice(0, 6)).toEqual(["consul.", "0", "IN", "SOA", "ns.consul.", "hostmaster.consul."]);
      expect((await dig(port, "example.com", "A")).status).toBe("REFUSED");
      const axfr = await dig(port, "consul", "AXFR");
      expect(axfr.raw).toMatch(/Transfer failed/);
    });

    it("answers over TCP, and a UDP answer too big for 512 bytes is truncated so dig retries on TCP", async () => {
      const tcp = await dig(port, "+tcp", "api.service.consul", "SRV");
      expect(srvPorts(tcp)).toEqual(apiPorts);
      const wide = await dig(port, "+noedns", "wide.service.consul", "SRV");
      expect(wide.raw).toMatch(/Truncated, retrying in TCP mode/);
      expect(wide.answer).toHaveLength(40);
      expect(wide.additional.filter((r) => r[3] === "A")).toHaveLength(40);
      const cut = await dig(port, "+noedns", "+ignore", "wide.service.consul", "SRV");
      expect(cut.flags).toContain("tc");
      expect(cut.answer.length).toBeLessThan(40);
    });
  });

  it("answers dns-packet queries over UDP and several on one TCP connection, in order", async () => {
    const udp = await udpQuery(port, query("api.service.consul", "SRV", 7, 1232));
    expect(udp).toMatchObject({ id: 7, flag_qr: true, flag_aa: true, flag_tc: false });
    expect(udp.answers!.map((a) => (a as { data: { port: number } }).data.port).sort()).toEqual(apiPorts);
    expect(udp.additionals).toMatchObject([{ type: "A", data: "127.0.0.1" }, { type: "OPT" }]);

    const client = tcpClient(port);
    await client.connected;
    client.send(query("api.service.consul", "A", 1), query("nope.service.consul", "A", 2), query("wide.service.consul", "SRV", 3));
    await waitFor(() => (client.replies.length === 3 ? true : undefined), "three replies");
    expect(client.replies.map((r) => [r.id, rcodeOf(r), r.answers!.length, r.flag_tc])).toEqual([
      [1, 0, 1, false],
      [2, 3, 0, false],
      [3, 0, 40, false],
    ]);
    client.socket.destroy();
  });

  it("reports itself on the integrations list: where it listens and how many queries it answered", async () => {
    await udpQuery(port, query("api.service.consul", "A"));
    const dns = (await gantry.api.integrations.list.query()).find((i) => i.kind === "dns")!;
    expect(dns).toMatchObject({ target: `udp+tcp 127.0.0.1:${port}`, state: "connected", lastError: null });
    expect(dns.detail).toMatch(/^[\d,]+ quer(y|ies) answered/);
    expect(dns.lastActivityAt).not.toBeNull();
  });

  it("survives 10,000 malformed packets (seeded) and answers a valid query afterwards", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(`DNS fuzz seed: ${seed} (FUZZ_SEED=${seed} repeats it)`);
    const packets = malformedPackets(seed, 10_000);

    const socket = dgram.createSocket("udp4");
    let replies = 0;
    const undecodable: string[] = [];
    socket.on("message", (reply) => {
      replies++;
      try {
        dnsPacket.decode(reply);
      } catch (err) {
        undecodable.push(`${String(err)}: ${reply.toString("hex")}`);
      }
    });
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    for (let i = 0; i < 9_500; i++) {
      socket.send(packets[i]!, port, "127.0.0.1");
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 2)); // let the kernel buffer drain
    }
    // The rest over TCP, a few packets per connection, each framed (some with lying lengths).
    for (let i = 9_500; i < 10_000; i += 10) {
      const client = tcpClient(port);
      await client.connected;
      const batch = packets.slice(i, i + 10);
      client.socket.write(Buffer.concat(batch.map((p, j) => Buffer.concat([Buffer.from([(p.length + (j === 9 ? 5 : 0)) >> 8, (p.length + (j === 9 ? 5 : 0)) & 0xff]), p]))));
      client.socket.end();
      await Promise.race([client.closed, new Promise((r) => setTimeout(r, 500))]);
      client.socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    expect(undecodable).toEqual([]);
    expect(replies).toBeGreaterThan(1000);

    const after = await udpQuery(port, query("api.service.consul", "SRV"));
    expect(after.answers).toHaveLength(3);
    const client = tcpClient(port);
    await client.connected;
    client.send(query("api.service.consul", "A", 9));
    await waitFor(() => client.replies[0], "a TCP reply after the fuzzing");
    client.socket.destroy();
    const dns = (await gantry.api.integrations.list.query()).find((i) => i.kind === "dns")!;
    expect(dns.detail).toMatch(/, [\d,]+ malformed$/);
  }, 30_000);
});

describe("DNS server on its own: TCP limits", () => {
  const catalog = new Catalog(silentLogger);
  const server = new DnsServer({ host: "127.0.0.1", port: 0, ttlSeconds: 0, catalog, clock: systemClock, log: silentLogger, tcpIdleMs: 300, maxTcpConnections: 2 });
  let port = 0;
  beforeAll(async () => {
    const entry: CatalogEntryInput = { id: "a-1", serviceId: "a", serviceName: "a", address: "127.0.0.1", port: 9, tags: [], meta: {}, external: false, checks: [] };
    catalog.upsert(entry);
    await server.start();
    port = Number(/:(\d+)$/.exec(server.status().target)![1]);
  });
  afterAll(() => server.stop());

  it("won't start on a port already taken, saying which", async () => {
    const taken = new DnsServer({ host: "127.0.0.1", port, ttlSeconds: 0, catalog, clock: systemClock, log: silentLogger });
    await expect(taken.start()).rejects.toThrow(`the DNS interface can't listen on udp 127.0.0.1:${port}: the port is taken`);
    await taken.stop();
  });

  it("closes a TCP connection that stays idle", async () => {
    const client = tcpClient(port);
    await client.connected;
    client.send(query("a.service.consul", "A"));
    const started = Date.now();
    await client.closed;
    expect(client.replies).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses TCP connections past its bound, and serves again once they go", async () => {
    const held = [tcpClient(port), tcpClient(port)];
    await Promise.all(held.map((c) => c.connected));
    await new Promise((r) => setTimeout(r, 50));
    const third = tcpClient(port);
    await third.closed;
    expect(third.replies).toEqual([]);
    held.forEach((c) => c.socket.destroy());
    await Promise.all(held.map((c) => c.closed));
    await new Promise((r) => setTimeout(r, 50));
    const again = tcpClient(port);
    await again.connected;
    again.send(query("a.service.consul", "A", 5));
    await waitFor(() => again.replies[0], "a reply");
    expect(again.replies[0]!.id).toBe(5);
    again.socket.destroy();
  });
});

/** mulberry32: a small seeded PRNG, so a failing fuzz run can be repeated from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Valid queries mutated every way a hostile or broken client might, plus plain random bytes. */
function malformedPackets(seed: number, count: number): Buffer[] {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const seeds = [
    query("api.service.consul", "SRV", 1),
    query("api.service.consul", "A", 2, 1232),
    query("v1.payments.service.consul", "SRV", 3),
    query("wide.service.consul", "SRV", 4, 4096),
    query("example.com", "AAAA", 5),
    query("7f000001.addr.dc1.consul", "A", 6),
  ];
  const mutations: Array<(packet: Buffer) => Buffer> = [
    (p) => {
      const out = Buffer.from(p);
      if (out.length === 0) return out;
      for (let flips = 1 + int(8); flips > 0; flips--) out[int(out.length)]! ^= 1 << int(8);
      return out;
    },
    (p) => p.subarray(0, int(p.length)),
    (p) => {
      const out = Buffer.concat([p, Buffer.alloc(Math.max(0, 12 - p.length))]);
      out.writeUInt16BE(int(65536), 4 + 2 * int(4)); // a bogus question/answer/authority/additional count
      return out;
    },
    (p) => {
      // A compression pointer to itself, or two pointing at each other, where the name starts.
      const out = Buffer.concat([p, Buffer.alloc(Math.max(0, 16 - p.length))]);
      if (random() < 0.5) out.writeUInt16BE(0xc000 | 12, 12);
      else Buffer.from([0xc0, 14, 0xc0, 12]).copy(out, 12);
      return out;
    },
    (p) => {
      const out = Buffer.concat([p, Buffer.alloc(Math.max(0, 13 - p.length))]);
      out[12] = 64 + int(192); // a label length past 63 or a reserved label type
      return out;
    },
    (p) => {
      const out = Buffer.concat([p, Buffer.alloc(Math.max(0, 4 - p.length))]);
      out.writeUInt16BE(int(65536), 2); // any flags: responses, other opcodes, odd bits
      return out;
    },
    (p) => Buffer.concat([p, Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)))]),
  ];
  return Array.from({ length: count }, () => {
    if (random() < 0.2) return Buffer.from(Array.from({ length: int(600) }, () => int(256)));
    const base = seeds[int(seeds.length)]!;
    let packet = base;
    for (let rounds = 1 + int(3); rounds > 0; rounds--) packet = mutations[int(mutations.length)]!(packet);
    return packet;
  });
}
