import http from "node:http";
import type { AddressInfo } from "node:net";
import Consul from "consul";
import { afterAll, describe, expect, it } from "vitest";
import { adminHeaders, fixtureTemplate, TEST_TOKEN, toggleableService, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";

type HealthEntry = { Service: { ID: string; Service: string; Port: number; Address: string }; Checks: Array<{ CheckID: string; Status: string; Output: string }> };

/** A small HTTP server standing in for something Gantry doesn't run (a database proxy, a SaaS). */
async function outsideServer(name: string): Promise<{ port: number; server: http.Server; healthy: { value: boolean } }> {
  const healthy = { value: true };
  const server = http.createServer((req, res) => {
    if (req.url === "/health") res.statusCode = healthy.value ? 200 : 500;
    res.end(`${name} ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, server, healthy };
}

describe("discovery: Consul-compatible API", () => {
  const gantry = useTestGantry();
  const servers: http.Server[] = [];
  afterAll(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));
  const consul = () => new Consul({ host: "127.0.0.1", port: gantry.gantry.port, defaults: { token: TEST_TOKEN } });
  const put = (path: string, body?: string) => fetch(`${gantry.gantry.url}${path}`, { method: "PUT", body, headers: adminHeaders });

  it("registers an external service with a real Consul client, which reads its health back", async () => {
    const outside = await outsideServer("payments");
    servers.push(outside.server);
    const client = consul();
    await client.agent.service.register({ name: "payments", id: "payments-1", address: "127.0.0.1", port: outside.port, tags: ["v1"], meta: { team: "billing" }, check: { name: "alive", ttl: "30s", timeout: "1s" } });

    expect(await client.catalog.service.list()).toMatchObject({ payments: ["v1"] });
    const [entry] = (await client.health.service({ service: "payments" })) as HealthEntry[];
    expect(entry!.Service).toMatchObject({ ID: "payments-1", Service: "payments", Port: outside.port, Address: "127.0.0.1" });
    expect(entry!.Checks.find((c) => c.CheckID === "service:payments-1")).toMatchObject({ Status: "critical" });
    expect(await client.health.service({ service: "payments", passing: true })).toEqual([]);

    await client.agent.check.pass({ id: "service:payments-1", note: "all good" });
    const passing = (await client.health.service({ service: "payments", passing: true })) as HealthEntry[];
    expect(passing.map((e) => e.Service.ID)).toEqual(["payments-1"]);
    expect(passing[0]!.Checks.find((c) => c.CheckID === "service:payments-1")!.Output).toBe("all good");

    // It is a service like any other: on the topology, marked external.
    const service = (await gantry.api.services.list.query()).find((s) => s.name === "payments");
    expect(service).toMatchObject({ external: true, replicas: 0 });
  });

  it("wakes a blocking query within 100 ms of an instance turning unready", async () => {
    const { service, instance } = await toggleableService(gantry.api, "watched");
    const client = consul();
    const watch = client.watch({ method: client.health.service, options: { service: "watched", passing: "true", wait: "30s" } as Record<string, string> });
    const changes: Array<{ at: number; ids: string[] }> = [];
    watch.on("change", (data: HealthEntry[]) => changes.push({ at: Date.now(), ids: data.map((e) => e.Service.ID) }));
    await waitFor(() => (changes.some((c) => c.ids.includes(instance.id)) ? true : undefined), "the watch to see the instance");

    await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
    const woke = await waitFor(() => changes.find((c) => !c.ids.includes(instance.id)), "the watch to wake");
    watch.end();
    const events = await gantry.api.events.list.query({ serviceId: service.id });
    const unreadyAt = Date.parse(events.find((e) => e.kind === "instance.unready")!.at);
    expect(woke.at - unreadyAt).toBeLessThan(100);
  });

  it("holds a blocking query until the wait passes when nothing changes, with X-Consul-Index", async () => {
    const first = await fetch(`${gantry.gantry.url}/v1/catalog/services`, { headers: adminHeaders });
    const index = first.headers.get("x-consul-index")!;
    expect(Number(index)).toBeGreaterThan(0);
    const started = Date.now();
    const again = await fetch(`${gantry.gantry.url}/v1/catalog/services?index=${index}&wait=300ms`, { headers: adminHeaders });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(again.headers.get("x-consul-index")).toBe(index);
  });

  it("refuses a bad ?index or ?wait with Consul's 400 instead of answering at once", async () => {
    for (const [query, message] of [
      ["index=abc", "Invalid index"],
      ["index=1&wait=soon", "Invalid wait time"],
      ["stale&consistent", "Cannot specify ?stale with ?consistent, conflicting semantics."],
    ]) {
      for (const path of ["/v1/catalog/services", "/v1/catalog/service/web", "/v1/health/service/web"]) {
        const answer = await fetch(`${gantry.gantry.url}${path}?${query}`, { headers: adminHeaders });
        expect([path, query, answer.status, await answer.text()]).toEqual([path, query, 400, message]);
      }
    }
  });

  it("marks a TTL check critical when its TTL lapses", async () => {
    const client = consul();
    await client.agent.service.register({ name: "heartbeat", id: "hb-1", port: 1, check: { name: "heartbeat", ttl: "300ms", timeout: "1s" } });
    await client.agent.check.pass("service:hb-1");
    const status = async () => ((await client.health.service("heartbeat")) as HealthEntry[])[0]!.Checks.find((c) => c.CheckID === "service:hb-1")!;
    expect((await status()).Status).toBe("passing");
    const lapsed = await waitFor(async () => ((await status()).Status === "critical" ? await status() : undefined), "the TTL to lapse", 3000);
    expect(lapsed.Output).toBe("TTL expired: no update within 0.3 s");
  });

  it("balances a dependency to an external service over its healthy endpoints, checked over HTTP", async () => {
    const [a, b] = [await outsideServer("a"), await outsideServer("b")];
    servers.push(a.server, b.server);
    for (const [id, s] of [["ledger-a", a], ["ledger-b", b]] as const) {
      const res = await put("/v1/agent/service/register", JSON.stringify({ ID: id, Name: "ledger", Port: s.port, Check: { HTTP: `http://127.0.0.1:${s.port}/health`, Interval: "100ms" } }));
      expect(res.status).toBe(200);
    }
    const ledger = (await gantry.api.services.list.query()).find((s) => s.name === "ledger")!;
    const caller = await gantry.api.services.create.mutate({ name: "caller", replicas: 0, template: fixtureTemplate() });
    const edge = await gantry.api.dependencies.create.mutate({ fromId: caller.id, toId: ledger.id });
    const through = () => new Promise<string>((resolve) => http.get(`http://127.0.0.1:${edge.port}/x`, (res) => res.setEncoding("utf8").on("data", resolve)).on("error", (e) => resolve(e.message)));
    const seen = await waitFor(async () => {
      const answers = new Set(await Promise.all([through(), through(), through(), through()]));
      // Only both, in one round: a round that began while their checks were still coming in may also hold a 503.
      return answers.size === 2 && answers.has("a /x") && answers.has("b /x") ? answers : undefined;
    }, "both endpoints behind the edge");
    expect(seen).toEqual(new Set(["a /x", "b /x"]));

    b.healthy.value = false; // its HTTP check starts failing: it leaves the rotation
    await waitFor(async () => ((await Promise.all([through(), through(), through(), through()])).every((r) => r === "a /x") ? true : undefined), "b out of rotation");
  });

  it("refuses malformed registrations with the reason and registers nothing", async () => {
    const before = (await gantry.api.services.list.query()).length;
    for (const [body, reason] of [
      ["{not json", "Request decode failed"],
      [JSON.stringify({ Port: 80 }), "Name: name is required"],
      [JSON.stringify({ Name: "Bad_Name" }), "DNS label"],
      [JSON.stringify({ Name: "ok", Check: { HTTP: "http://x/", Interval: "often" } }), 'Interval must be a duration'],
    ] as const) {
      const res = await put("/v1/agent/service/register", body);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).toContain(reason);
    }
    expect((await gantry.api.services.list.query()).length).toBe(before);
  });

  it("answers unknown IDs with Consul's 404 text, and unknown services with an empty list as Consul does", async () => {
    const deregister = await put("/v1/agent/service/deregister/nope");
    expect(deregister.status).toBe(404);
    expect(await deregister.text()).toBe('Unknown service ID "nope". Ensure that the service ID is passed, not the service name.');
    const check = await put("/v1/agent/check/pass/nope");
    expect(check.status).toBe(404);
    const unknown = await fetch(`${gantry.gantry.url}/v1/health/service/never-registered`, { headers: adminHeaders });
    expect([unknown.status, await unknown.json()]).toEqual([200, []]);
  });

  it("forgets an endpoint when it is deregistered", async () => {
    const client = consul();
    await client.agent.service.register({ name: "temp", id: "temp-1", port: 5 });
    await client.agent.service.deregister("temp-1");
    expect(await client.catalog.service.nodes("temp")).toEqual([]);
  });
});
