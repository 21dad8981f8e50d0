import http from "node:http";
import { describe, expect, it } from "vitest";
import { fixtureTemplate, useTestGantry } from "./testing/gantry";
import { get as getWith } from "./testing/http";
import { waitFor } from "./testing/wait";
import { pidOf } from "./testing/processes";

const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });

const get = (url: string) => getWith(url, agent);

describe("traffic through Gantry's data plane", () => {
  const server = useTestGantry();
  const ready = async (serviceId: string, count: number) =>
    waitFor(async () => {
      const list = await server.api.instances.list.query({ serviceId });
      const endpoints = await server.api.services.endpoints.query({ id: serviceId });
      return list.length === count && endpoints.length === count ? list : undefined;
    }, `${count} ready`);

  it("gives each service a listener that answers 503 at once while nothing is ready", async () => {
    const service = await server.api.services.create.mutate({ name: "empty", replicas: 0, template: fixtureTemplate() });
    expect(service.listenPort).toBeGreaterThan(0);
    const res = await waitFor(async () => {
      const r = await get(`http://127.0.0.1:${service.listenPort}/`);
      return r.status === 503 ? r : undefined;
    }, "the listener answering");
    expect(res.body).toBe("no healthy instance for service empty\n");
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("hands A's instances B_URL pointing at the A → B edge's own listener", async () => {
    const b = await server.api.services.create.mutate({ name: "backend", template: fixtureTemplate() });
    const a = await server.api.services.create.mutate({ name: "frontend", replicas: 0, template: fixtureTemplate() });
    const edge = await server.api.dependencies.create.mutate({ fromId: a.id, toId: b.id });
    await server.api.services.scale.mutate({ id: a.id, replicas: 1 });
    const [instance] = await ready(a.id, 1);
    await ready(b.id, 1);
    const env = JSON.parse((await get(`http://127.0.0.1:${instance!.port}/env`)).body) as Record<string, string>;
    expect(env.BACKEND_URL).toBe(`http://127.0.0.1:${edge.port}`);
    const viaEdge = await waitFor(async () => {
      const r = await get(`${env.BACKEND_URL}/`);
      return r.status === 200 ? r : undefined;
    }, "the edge listener");
    expect(JSON.parse(viaEdge.body).instance).toMatch(/^backend-/);
    await server.api.services.delete.mutate({ id: a.id });
    await server.api.services.delete.mutate({ id: b.id });
  });

  it("lets an instance being scaled away finish its slow request before it gets SIGTERM", async () => {
    const service = await server.api.services.create.mutate({ name: "drainer", replicas: 2, template: fixtureTemplate({}, { gracePeriodSeconds: 5 }) });
    const instances = await ready(service.id, 2);
    const base = `http://127.0.0.1:${service.listenPort}`;
    // A slow request to each instance (round robin), then scale down while they run.
    const slow = [get(`${base}/slow?ms=1500`), get(`${base}/slow?ms=1500`)];
    await new Promise((r) => setTimeout(r, 200));
    await server.api.services.scale.mutate({ id: service.id, replicas: 1 });
    const quick = await get(`${base}/`);
    const answers = await Promise.all(slow);
    expect(answers.map((a) => `${a.status} ${a.body}`)).toEqual([expect.stringMatching(/^200/), expect.stringMatching(/^200/)]);
    expect(new Set(answers.map((a) => JSON.parse(a.body).instance))).toEqual(new Set(instances.map((i) => i.id)));
    const survivor = (await ready(service.id, 1))[0]!;
    expect(JSON.parse(quick.body).instance).toBe(survivor.id);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("serves 5,000 requests at 50 concurrency with 0 failures while an instance is SIGKILLed", async () => {
    const service = await server.api.services.create.mutate({ name: "sturdy", replicas: 3, template: fixtureTemplate() });
    const instances = await ready(service.id, 3);
    const url = `http://127.0.0.1:${service.listenPort}/`;
    let sent = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (sent < 5000) {
        if (++sent === 1000) process.kill(pidOf(instances[0]!)!, "SIGKILL");
        const res = await get(url);
        if (res.status !== 200) failures.push(`${res.status} ${res.body}`);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    expect(failures).toEqual([]);
    // The engine restarted the killed instance meanwhile.
    await waitFor(async () => ((await server.api.instances.list.query({ serviceId: service.id })).find((i) => i.id === instances[0]!.id)?.restarts === 1 ? true : undefined), "restart");
    await server.api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("shows an instance that hangs, without any probe, as ejected while clients keep getting answers", async () => {
    const traffic = { perTryTimeoutMs: 200, outlier: { consecutiveErrors: 2, baseEjectionSeconds: 60, maxEjectionPercent: 50 } };
    const service = await server.api.services.create.mutate({ name: "hangs", replicas: 2, template: fixtureTemplate(), traffic });
    const [hung, healthy] = await ready(service.id, 2);
    await server.api.chaos.pause.mutate({ id: hung!.id, seconds: 30 });
    const url = `http://127.0.0.1:${service.listenPort}/`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(url)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const listed = await waitFor(async () => {
      const list = await server.api.instances.list.query({ serviceId: service.id });
      return list.find((i) => i.id === hung!.id)?.ejected ? list : undefined;
    }, "the hung instance shown as ejected");
    expect(listed.find((i) => i.id === healthy!.id)).toMatchObject({ ready: true, ejected: false });
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("moves a service's listener when its port is changed", async () => {
    const service = await server.api.services.create.mutate({ name: "mover", template: fixtureTemplate() });
    await ready(service.id, 1);
    const newPort = service.listenPort! + 150;
    await server.api.services.update.mutate({ id: service.id, version: service.version, patch: { listenPort: newPort } });
    await waitFor(async () => ((await get(`http://127.0.0.1:${newPort}/`)).status === 200 ? true : undefined), "the new port");
    await waitFor(async () => ((await get(`http://127.0.0.1:${service.listenPort}/`)).status === 0 ? true : undefined), "the old port closed");
    await server.api.services.delete.mutate({ id: service.id });
  });
});
