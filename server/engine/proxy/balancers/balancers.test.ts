import { describe, expect, it } from "vitest";
import type { Endpoint, PickRequest } from "./balancer";
import { balancers } from "./index";
import { cookieValue } from "./ring-hash";

const endpoint = (id: string, weight = 1, active = 0): Endpoint => ({ id, host: "127.0.0.1", port: 1, revision: 1, weight, active });
const client = (ip = "10.0.0.1", headers: Record<string, string> = {}, excludes: (e: Endpoint) => boolean = () => false): PickRequest => ({
  clientIp: ip,
  header: (name) => headers[name],
  excludes,
});

function counts(pick: () => Endpoint | undefined, n: number): Record<string, number> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const e = pick()!;
    seen[e.id] = (seen[e.id] ?? 0) + 1;
  }
  return seen;
}

describe("balancing policies", () => {
  const three = [endpoint("a"), endpoint("b"), endpoint("c")];

  it("round_robin takes turns exactly", () => {
    const b = balancers.round_robin(three, { hashOn: { kind: "client_ip" } });
    expect(Array.from({ length: 6 }, () => b.pick(client())!.id)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("random spreads evenly within 5%", () => {
    const b = balancers.random(three, { hashOn: { kind: "client_ip" } });
    for (const count of Object.values(counts(() => b.pick(client()), 30_000))) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it("weighted follows the weights exactly and interleaves (smooth WRR)", () => {
    const b = balancers.weighted([endpoint("a", 5), endpoint("b", 1), endpoint("c", 1)], { hashOn: { kind: "client_ip" } });
    expect(Array.from({ length: 7 }, () => b.pick(client())!.id).join("")).toBe("aabacaa");
    expect(counts(() => b.pick(client()), 7000)).toEqual({ a: 5000, b: 1000, c: 1000 });
  });

  it("weighted with weight 0 sends nothing there", () => {
    const b = balancers.weighted([endpoint("a", 0), endpoint("b", 2)], { hashOn: { kind: "client_ip" } });
    expect(counts(() => b.pick(client()), 100)).toEqual({ b: 100 });
  });

  it("least_request prefers the endpoint with fewer requests in flight", () => {
    const busy = [endpoint("busy", 1, 50), endpoint("idle", 1, 0)];
    const b = balancers.least_request(busy, { hashOn: { kind: "client_ip" } });
    expect(counts(() => b.pick(client()), 1000)).toEqual({ idle: 1000 });
    const even = balancers.least_request(three, { hashOn: { kind: "client_ip" } });
    for (const count of Object.values(counts(() => even.pick(client()), 30_000))) expect(Math.abs(count - 10_000)).toBeLessThan(600);
  });

  it("every policy skips what it is told to and says when nothing is left", () => {
    for (const [name, factory] of Object.entries(balancers)) {
      const b = factory(three, { hashOn: { kind: "client_ip" } });
      for (let i = 0; i < 20; i++) expect(b.pick(client(`10.0.0.${i}`, {}, (e) => e.id !== "b"))?.id, name).toBe("b");
      expect(b.pick(client("10.0.0.1", {}, () => true)), name).toBeUndefined();
      expect(factory([], { hashOn: { kind: "client_ip" } }).pick(client()), name).toBeUndefined();
    }
  });
});

describe("ring_hash", () => {
  const ips = Array.from({ length: 3000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.7`);

  it("keeps each client on the same instance", () => {
    const b = balancers.ring_hash([endpoint("a"), endpoint("b"), endpoint("c")], { hashOn: { kind: "client_ip" } });
    for (const ip of ips.slice(0, 100)) {
      const first = b.pick(client(ip))!.id;
      for (let i = 0; i < 5; i++) expect(b.pick(client(ip))!.id).toBe(first);
    }
  });

  it("spreads clients roughly evenly (within 20%)", () => {
    const b = balancers.ring_hash([endpoint("a"), endpoint("b"), endpoint("c")], { hashOn: { kind: "client_ip" } });
    const seen = counts(() => b.pick(client(ips[Math.floor(Math.random() * ips.length)]!)), 30_000);
    for (const count of Object.values(seen)) expect(Math.abs(count - 10_000)).toBeLessThan(2000);
  });

  it("moves only the keys of an instance that joins or leaves", () => {
    const before = balancers.ring_hash([endpoint("a"), endpoint("b"), endpoint("c")], { hashOn: { kind: "client_ip" } });
    const after = balancers.ring_hash([endpoint("a"), endpoint("b"), endpoint("c"), endpoint("d")], { hashOn: { kind: "client_ip" } });
    let moved = 0;
    for (const ip of ips) {
      const [x, y] = [before.pick(client(ip))!.id, after.pick(client(ip))!.id];
      if (x !== y) {
        moved++;
        expect(y).toBe("d"); // a key only ever moves to the newcomer
      }
    }
    // Ideally a quarter of the keys move to the fourth instance.
    expect(moved / ips.length).toBeGreaterThan(0.15);
    expect(moved / ips.length).toBeLessThan(0.35);
  });

  it("can be sticky by header or cookie, falling back to the client IP", () => {
    const byHeader = balancers.ring_hash([endpoint("a"), endpoint("b"), endpoint("c")], { hashOn: { kind: "header", name: "X-User" } });
    const user = (id: string, ip: string) => client(ip, { "x-user": id });
    for (let u = 0; u < 20; u++) expect(byHeader.pick(user(`u${u}`, "10.0.0.1"))!.id).toBe(byHeader.pick(user(`u${u}`, "10.9.9.9"))!.id);
    const byCookie = balancers.ring_hash([endpoint("a"), endpoint("b")], { hashOn: { kind: "cookie", name: "session" } });
    const withCookie = (ip: string) => client(ip, { cookie: "theme=dark; session=abc123" });
    expect(byCookie.pick(withCookie("10.0.0.1"))!.id).toBe(byCookie.pick(withCookie("10.0.0.2"))!.id);
    expect(cookieValue("a=1; session= xyz ", "session")).toBe("xyz");
  });
});
