import { describe, expect, it } from "vitest";
import { fixtureTemplate, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";

describe("time travel on a real Gantry", () => {
  const server = useTestGantry();

  const readyInstances = async (serviceId: string) => (await server.api.instances.list.query({ serviceId })).filter((i) => i.ready);
  const eventCount = async (serviceId: string, kind: string) => (await server.api.events.list.query({ serviceId, kind, limit: 500 })).length;
  const pastOf = async (at: number, name: string) => (await server.api.timeline.at.query({ at })).services.find((s) => s.name === name);

  it("shows a service scaled, broken and healed as it was at each moment, and what changed between", async () => {
    const service = await server.api.services.create.mutate({
      name: "wobbly",
      template: fixtureTemplate({}, { probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 0.2, failureThreshold: 1 } } }),
    });
    await waitFor(async () => ((await readyInstances(service.id)).length === 1 ? true : undefined), "1 ready");
    const beforeScale = Date.now();

    await server.api.services.scale.mutate({ id: service.id, replicas: 3 });
    const three = await waitFor(async () => {
      const ready = await readyInstances(service.id);
      return ready.length === 3 ? ready : undefined;
    }, "3 ready");

    // Break two of the three: their readiness fails.
    for (const instance of three.slice(0, 2)) await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
    await waitFor(async () => ((await eventCount(service.id, "instance.unready")) === 2 ? true : undefined), "2 unready recorded");
    const broken = Date.now();

    // Heal them.
    for (const instance of three.slice(0, 2)) await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
    await waitFor(async () => ((await eventCount(service.id, "instance.ready")) === 5 ? true : undefined), "all ready again, recorded");

    expect(await pastOf(beforeScale, "wobbly")).toMatchObject({ wanted: 1, ready: 1, health: "healthy", revision: 1, deletedSince: false });
    expect(await pastOf(broken, "wobbly")).toMatchObject({ wanted: 3, ready: 1, health: "degraded" });
    expect(await pastOf(Date.now(), "wobbly")).toMatchObject({ wanted: 3, ready: 3, health: "healthy" });

    const changes = await server.api.timeline.changes.query({ from: broken, to: Date.now() });
    const wobbly = changes.services.find((s) => s.name === "wobbly");
    expect(wobbly).toMatchObject({ before: { ready: 1, health: "degraded" }, after: { ready: 3, health: "healthy" } });
    expect(wobbly!.events.map((e) => e.kind)).toEqual(["instance.ready", "instance.ready"]);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("shows a deleted service and its edge as they were, and hides one created since", async () => {
    const caller = await server.api.services.create.mutate({ name: "caller", replicas: 0, template: fixtureTemplate(), position: { x: 40, y: 80 } });
    const doomed = await server.api.services.create.mutate({ name: "doomed", replicas: 0, template: fixtureTemplate(), position: { x: 300, y: 80 } });
    const edge = await server.api.dependencies.create.mutate({ fromId: caller.id, toId: doomed.id });
    const before = Date.now();
    await server.api.services.delete.mutate({ id: doomed.id });
    await waitFor(async () => ((await server.api.services.list.query()).some((s) => s.id === doomed.id) ? undefined : true), "doomed gone");
    const later = await server.api.services.create.mutate({ name: "later", replicas: 0, template: fixtureTemplate() });

    const past = await server.api.timeline.at.query({ at: before });
    expect(past.services.find((s) => s.name === "doomed")).toMatchObject({ deletedSince: true, wanted: 0, revision: 1, position: { x: 300, y: 80 }, health: "idle" });
    expect(past.dependencies.find((d) => d.id === edge.id)).toMatchObject({ fromId: caller.id, toId: doomed.id, deletedSince: true });
    expect(past.services.some((s) => s.name === "later")).toBe(false);
    expect(past.createdSince).toContain("later");
    for (const id of [caller.id, later.id]) await server.api.services.delete.mutate({ id });
  });

  it("refuses a moment outside the last 24 hours, saying why", async () => {
    await expect(server.api.timeline.at.query({ at: Date.now() + 3_600_000 })).rejects.toThrow("at is in the future");
    await expect(server.api.timeline.at.query({ at: Date.now() - 25 * 3_600_000 })).rejects.toThrow(/more than 24 hours ago/);
    await expect(server.api.timeline.changes.query({ from: Date.now(), to: Date.now() - 60_000 })).rejects.toThrow("from must not be after to");
  });
});
