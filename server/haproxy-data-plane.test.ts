import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HaproxyProcess, haproxyFiles } from "./engine/proxy/haproxy/haproxy-process";
import { adminHeaders, fixtureTemplate, tempDir, useTestGantry, type ApiClient } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { haproxyProcessesOf } from "./testing/processes";
import { get } from "./testing/http";
import { startLoad } from "./testing/load";
import { freePort } from "./testing/ports";
import { waitFor } from "./testing/wait";

const fresh = new http.Agent({ keepAlive: false });

/** Prometheus text → `name{labels}` → value. */
const exposition = (text: string) => new Map(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));

const readyOn = (api: ApiClient, serviceId: string, count: number, revision: number) =>
  waitFor(async () => {
    const list = await api.instances.list.query({ serviceId });
    const endpoints = await api.services.endpoints.query({ id: serviceId });
    return list.length === count && endpoints.length === count && list.every((i) => i.ready && i.revision === revision) ? list : undefined;
  }, `${count} ready on revision ${revision}`);

describe("Gantry with GANTRY_DATA_PLANE=haproxy", () => {
  const dataDir = tempDir("haproxy-gantry");
  const server = useTestGantry({ dataDir, dataPlane: { kind: "haproxy", binary: "/usr/sbin/haproxy", retryResponses: false } });
  /** How often HAProxy's master reloaded (its `show proc`). */
  const haproxyReloads = async () => (await waitFor(() => new HaproxyProcess("/usr/sbin/haproxy", haproxyFiles(dataDir)).table(), "HAProxy's master to answer")).reloads;
  /** Until HAProxy's master has not reloaded for a second (services of earlier tests deleted, this one's listener added): a test that counts reloads starts after them. */
  /** Until HAProxy's configuration has none of these services and its reloads are over (the next test's load meets none). */
  const gone = async (...serviceIds: string[]) => {
    await waitFor(() => (serviceIds.some((id) => fs.readFileSync(haproxyFiles(dataDir).config, "utf8").includes(id)) ? undefined : true), "the services gone from HAProxy", 30_000, 100);
    await settledWorkers();
  };
  const settledWorkers = async () => {
    let last = -1;
    await waitFor(async () => ((reloads) => (reloads === last ? true : void (last = reloads)))(await haproxyReloads()), "HAProxy to stop reloading", 30_000, 1000);
  };
  /**
   * HAProxy binds a new service's listener with a reload, a moment after the API answered. Asked on a
   * new connection: one kept alive from an earlier test may reach the worker a reload replaced, which
   * serves its last connections with the configuration it had (a deleted service on the same port).
   */
  const serving = (port: number) => waitFor(async () => ((await get(`http://127.0.0.1:${port}/`, fresh)).status === 200 ? true : undefined), `port ${port} serving`);

  it("serves a service's listener and a dependency edge through HAProxy, and shows the request counts in /metrics", async () => {
    const { api } = server;
    const callee = await api.services.create.mutate({ name: "hx-counted", replicas: 2, template: fixtureTemplate() });
    const caller = await api.services.create.mutate({ name: "hx-caller", replicas: 0, template: fixtureTemplate() });
    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: callee.id });
    await readyOn(api, callee.id, 2, 1);
    await Promise.all([serving(callee.listenPort!), serving(edge.port!)]);
    const answeredBy = new Set<number>();
    // 20 requests to the service's listener and 7 over the edge, counting those that found them serving.
    for (let i = 0; i < 19; i++) answeredBy.add(((await (await fetch(`http://127.0.0.1:${callee.listenPort}/`)).json()) as { pid: number }).pid);
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${edge.port}/`)).status).toBe(200);
    expect(answeredBy.size).toBe(2);

    const metrics = await waitFor(async () => {
      const parsed = exposition(await (await fetch(`${server.gantry.url}/metrics`, { headers: adminHeaders })).text());
      return parsed.get('gantry_service_requests_total{service="hx-counted",code="2xx"}') === 27 ? parsed : undefined;
    }, "27 requests counted", 10_000);
    expect(metrics.get('gantry_edge_requests_total{from="hx-caller",to="hx-counted",code="2xx"}')).toBe(7);
    const perInstance = [...metrics].filter(([k]) => k.startsWith('gantry_requests_total{service="hx-counted"')).reduce((sum, [, v]) => sum + v, 0);
    expect(perInstance).toBe(27);
    // One latency observation per request counted (503s answered before the listener served included).
    const counted = [...metrics].filter(([k]) => k.startsWith('gantry_service_requests_total{service="hx-counted"')).reduce((sum, [, v]) => sum + v, 0);
    expect(metrics.get('gantry_service_request_duration_seconds_count{service="hx-counted"}')).toBe(counted);
    await api.services.delete.mutate({ id: caller.id });
    await api.services.delete.mutate({ id: callee.id });
    await gone(callee.id, caller.id);
  }, 60_000);

  it("rolls 4 instances to a new revision with 0 failed client requests, without reloading HAProxy", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "hx-roller", replicas: 4, template: fixtureTemplate({ VERSION: "1" }) });
    const before = await readyOn(api, service.id, 4, 1);
    await serving(service.listenPort!);
    await settledWorkers();
    const reloadsBefore = await haproxyReloads();
    const traffic = startLoad(`http://127.0.0.1:${service.listenPort}/`);
    await new Promise((r) => setTimeout(r, 300));
    await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: "2" } } } });
    await waitFor(async () => ((await api.rollouts.list.query({ serviceId: service.id }))[0]?.status === "succeeded" ? true : undefined), "the rollout to succeed", 30_000);
    const after = await readyOn(api, service.id, 4, 2);
    await new Promise((r) => setTimeout(r, 300));
    const report = await traffic.stop();

    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);
    expect(report.ok).toBeGreaterThan(100);
    expect(after.some((i) => before.some((b) => b.id === i.id))).toBe(false);
    // Every old and every new instance served (answers carry their pid): traffic followed the rollout.
    expect(report.servedBy.size).toBe(8);
    expect(await haproxyReloads()).toBe(reloadsBefore);
    await api.services.delete.mutate({ id: service.id });
    await gone(service.id);
  }, 60_000);

  it("rolls a single instance behind a readiness probe twice with 0 failed client requests", async () => {
    // The replacement turns ready in the tick the old instance is told to stop: HAProxy must have the
    // new server before the old one drains, or the service would have none in between (503).
    const { api } = server;
    const template = fixtureTemplate({ VERSION: "1" }, { probes: { readiness: { kind: "http", path: "/", periodSeconds: 1 } } });
    let service = await api.services.create.mutate({ name: "hx-single", replicas: 1, template });
    await readyOn(api, service.id, 1, 1);
    await serving(service.listenPort!);
    await settledWorkers();
    const traffic = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 1, fresh: 1 });
    for (const revision of [2, 3]) {
      service = await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: String(revision) } } } });
      await waitFor(async () => ((list) => (list[0]?.toRevision === revision && list[0].status === "succeeded" ? true : undefined))(await api.rollouts.list.query({ serviceId: service.id })), `the rollout to revision ${revision}`, 30_000);
    }
    await readyOn(api, service.id, 1, 3);
    await new Promise((r) => setTimeout(r, 300));
    const report = await traffic.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);
    // Traffic flowed throughout: each of the three instances answered some of it.
    expect(report.servedBy.size).toBe(3);
    await api.services.delete.mutate({ id: service.id });
  }, 60_000);
});

describe("a Gantry process on HAProxy", () => {
  const processes = useGantryProcesses();
  it("boots to ready: HAProxy starts with the first configuration, which comes before the engine waits for its data plane", async () => {
    const gantry = await processes.start(tempDir("haproxy-boot"), await freePort(), { GANTRY_DATA_PLANE: "haproxy" });
    expect(gantry.child.exitCode).toBe(null);
    expect(haproxyProcessesOf(gantry.child.pid!).length).toBeGreaterThan(0);
  }, 60_000);
});

describe("a Gantry told to use HAProxy where there is none", () => {
  const processes = useGantryProcesses();
  it("stops at boot with one line saying what to install or set", async () => {
    const dataDir = tempDir("no-haproxy");
    const gantry = processes.run(dataDir, await freePort(), { GANTRY_DATA_PLANE: "haproxy", GANTRY_HAPROXY_PATH: path.join(dataDir, "haproxy") }, { captureStderr: true });
    await gantry.exited;
    expect(gantry.child.exitCode).toBe(78);
    await waitFor(() => (gantry.stderr().includes("\n") ? true : undefined), "its message");
    expect(gantry.stderr()).toContain(`gantry: GANTRY_HAPROXY_PATH="${path.join(dataDir, "haproxy")}" is not an executable file; point it at the haproxy binary`);
  }, 30_000);
});
