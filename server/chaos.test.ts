import http from "node:http";
import { describe, expect, it } from "vitest";
import { fixtureTemplate, useTestGantry } from "./testing/gantry";
import { get as getWith } from "./testing/http";
import { waitFor } from "./testing/wait";

const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
const get = (url: string) => getWith(url, agent);

// Who may inject is covered with every other procedure in access.test.ts (operators).
describe("chaos from the API", () => {
  const server = useTestGantry();

  it("injects errors into an edge's traffic at the asked share, and ends them after their time", async () => {
    const { api } = server;
    const backend = await api.services.create.mutate({ name: "chaos-backend", replicas: 2, template: fixtureTemplate() });
    const caller = await api.services.create.mutate({ name: "chaos-caller", replicas: 0, template: fixtureTemplate() });
    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: backend.id });
    await waitFor(async () => ((await api.services.endpoints.query({ id: backend.id })).length === 2 ? true : undefined), "2 ready");

    const injected = await api.chaos.inject.mutate({ target: { kind: "edge", edgeId: edge.id }, fault: { kind: "error", status: 503, percent: 50 }, durationSeconds: 12 }); // long enough for 2,000 requests on a loaded machine
    expect(injected).toMatchObject({ label: "chaos-caller → chaos-backend", serviceId: backend.id, fault: { kind: "error", status: 503, percent: 50 } });
    expect(await api.chaos.list.query()).toHaveLength(1);
    // One fault per listener at a time.
    await expect(api.chaos.inject.mutate({ target: { kind: "edge", edgeId: edge.id }, fault: { kind: "abort", percent: 10 }, durationSeconds: 5 })).rejects.toThrow(
      "chaos-caller → chaos-backend already has a fault injected (50 % of requests answered 503): revert it first",
    );

    await waitFor(async () => ((await get(`http://127.0.0.1:${edge.port}/`)).status === 503 ? true : undefined), "the fault in the data plane");
    const statuses: number[] = [];
    for (let batch = 0; batch < 20; batch++) statuses.push(...(await Promise.all(Array.from({ length: 100 }, async () => (await get(`http://127.0.0.1:${edge.port}/`)).status))));
    const failed = statuses.filter((s) => s === 503).length;
    expect(failed / statuses.length).toBeGreaterThanOrEqual(0.47);
    expect(failed / statuses.length).toBeLessThanOrEqual(0.53);
    expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    // The service's own listener is untouched.
    expect((await get(`http://127.0.0.1:${backend.listenPort}/`)).status).toBe(200);

    // Its time is up: every request goes through again, and the events tell the story.
    await waitFor(async () => ((await api.chaos.list.query()).length === 0 ? true : undefined), "the fault to end", 16_000);
    const after = await Promise.all(Array.from({ length: 50 }, async () => (await get(`http://127.0.0.1:${edge.port}/`)).status));
    expect(new Set(after)).toEqual(new Set([200]));
    const events = await api.events.list.query({ kind: "chaos" });
    expect(events.map((e) => [e.kind, e.actor, e.message])).toEqual([
      ["chaos.expired", "engine", "the fault on chaos-caller → chaos-backend ended after its time (50 % of requests answered 503)"],
      ["chaos.injected", "bootstrap", "injected a fault on chaos-caller → chaos-backend: 50 % of requests answered 503, for 12 s"],
    ]);
  });

  it("delays or resets requests on a service's listener, reverts on demand, and refuses bad input", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "chaos-slow", replicas: 1, template: fixtureTemplate() });
    await waitFor(async () => ((await api.services.endpoints.query({ id: service.id })).length === 1 ? true : undefined), "ready");
    const url = `http://127.0.0.1:${service.listenPort}/`;

    // A fault reaches the data plane a moment after the API answers (the configuration is pushed to it).
    const latency = await api.chaos.inject.mutate({ target: { kind: "service", serviceId: service.id }, fault: { kind: "latency", ms: 300, percent: 100 }, durationSeconds: 60 });
    await waitFor(async () => {
      const started = performance.now();
      const answer = await get(url);
      return answer.status === 200 && performance.now() - started >= 290 ? true : undefined;
    }, "requests delayed 300 ms");
    await api.chaos.revert.mutate({ id: latency.id });
    expect(await api.chaos.list.query()).toEqual([]);

    await api.chaos.inject.mutate({ target: { kind: "service", serviceId: service.id }, fault: { kind: "abort", percent: 100 }, durationSeconds: 60 });
    const reset = await waitFor(async () => {
      const answer = await get(url);
      return answer.status === 0 ? answer : undefined;
    }, "requests reset");
    expect(reset.body).toMatch(/socket hang up|ECONNRESET/);
    for (const injection of await api.chaos.list.query()) await api.chaos.revert.mutate({ id: injection.id });

    // Bad input changes nothing.
    await expect(api.chaos.inject.mutate({ target: { kind: "service", serviceId: service.id }, fault: { kind: "error", status: 200, percent: 50 }, durationSeconds: 5 })).rejects.toThrow("an injected status is 400 to 599");
    expect(await api.chaos.list.query()).toEqual([]);
  });
});
