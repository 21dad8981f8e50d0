import { describe, expect, it } from "vitest";
import { pendingLinks } from "./contracts/traffic";
import { fixtureTemplate, useTestGantry, type ApiClient } from "./testing/gantry";
import { waitFor } from "./testing/wait";
import { pidOf } from "./testing/processes";

/** Waits until every one of the service's `count` ready instances has `value` ("" for unset) under `name`. */
async function expectEnv(api: ApiClient, serviceId: string, name: string, value: string, count = 1): Promise<void> {
  await waitFor(async () => {
    const instances = (await api.instances.list.query({ serviceId })).filter((i) => i.ready && i.phase === "Running");
    if (instances.length !== count) return undefined;
    const values = await Promise.all(instances.map(async (i) => (await fetch(`http://127.0.0.1:${i.port}/env/${name}`)).text()));
    return values.every((v) => v === value) ? true : undefined;
  }, `${count} instance(s) with ${name}=${JSON.stringify(value)}`);
}

describe("a dependency edge reaches the caller's running instances, like any env change", () => {
  const server = useTestGantry();

  it("rolls the caller to a revision with TO_URL when an edge is drawn, and without it when removed", async () => {
    const api = server.api;
    const caller = await api.services.create.mutate({ name: "caller", replicas: 2, template: fixtureTemplate() });
    const callee = await api.services.create.mutate({ name: "callee-svc", replicas: 0, template: fixtureTemplate() });
    await expectEnv(api, caller.id, "CALLEE_SVC_URL", "", 2);

    const plan = await api.dependencies.plan.mutate({ fromId: caller.id, toId: callee.id });
    expect(plan).toMatchObject({ serviceId: caller.id, revision: { from: 1, to: 2 }, diff: [{ path: "links.CALLEE_SVC_URL", before: null }] });
    expect(plan.stops).toBe(2); // both instances are replaced

    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: callee.id });
    await expectEnv(api, caller.id, "CALLEE_SVC_URL", `http://127.0.0.1:${edge.port}`, 2);
    expect((await api.services.get.query({ id: caller.id })).revision).toBe(2);
    const [updated] = await api.events.list.query({ serviceId: caller.id, kind: "service.updated" });
    expect(updated!.message).toBe("updated links of caller (revision 2): +CALLEE_SVC_URL");

    await api.dependencies.delete.mutate({ id: edge.id });
    await expectEnv(api, caller.id, "CALLEE_SVC_URL", "", 2);
    expect((await api.services.get.query({ id: caller.id })).template.links).toEqual({});
  });

  it("'Later' leaves the caller pending — a restart keeps its revision's environment — until it is rolled out", async () => {
    const api = server.api;
    const caller = await api.services.create.mutate({ name: "lazy", replicas: 1, template: fixtureTemplate() });
    const callee = await api.services.create.mutate({ name: "lazy-db", replicas: 0, template: fixtureTemplate() });
    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: callee.id, rollout: false });
    const pending = () =>
      api.services.get.query({ id: caller.id }).then((s) => pendingLinks(s.template.links, { LAZY_DB_URL: `http://127.0.0.1:${edge.port}` }));
    expect(await pending()).toEqual({ added: ["LAZY_DB_URL"], removed: [] });
    const [instance] = await api.instances.list.query({ serviceId: caller.id });
    await api.instances.restart.mutate({ id: instance!.id });
    await waitFor(async () => ((await api.instances.list.query({ serviceId: caller.id })).some((i) => i.ready && pidOf(i) !== pidOf(instance!)) ? true : undefined), "restarted");
    await expectEnv(api, caller.id, "LAZY_DB_URL", "");

    await api.services.applyLinks.mutate({ id: caller.id });
    await expectEnv(api, caller.id, "LAZY_DB_URL", `http://127.0.0.1:${edge.port}`);
    expect(await pending()).toEqual({ added: [], removed: [] });
  });

  it("delivers pending links with the next edit that makes a revision, and only then", async () => {
    const api = server.api;
    const caller = await api.services.create.mutate({ name: "editor-made", replicas: 0, template: fixtureTemplate() });
    const callee = await api.services.create.mutate({ name: "edited-db", replicas: 0, template: fixtureTemplate() });
    await api.dependencies.create.mutate({ fromId: caller.id, toId: callee.id, rollout: false });
    const scaled = await api.services.update.mutate({ id: caller.id, version: caller.version, patch: { traffic: { retries: 1 } } });
    expect(scaled.template.links).toEqual({});
    const edited = await api.services.update.mutate({ id: caller.id, version: scaled.version, patch: { template: { env: { MODE: "x" } } } });
    expect(Object.keys(edited.template.links)).toEqual(["EDITED_DB_URL"]);
  });

  it("keeps links Gantry's: a client can't set them", async () => {
    await expect(server.api.services.create.mutate({ name: "forger", replicas: 0, template: { command: "true", links: { X_URL: "http://evil" } } })).rejects.toThrow(/links are Gantry's/);
    const service = await server.api.services.create.mutate({ name: "forger", replicas: 0, template: { command: "true" } });
    await expect(
      server.api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { links: { X_URL: "http://evil" } } as never } }),
    ).rejects.toMatchObject({ data: { httpStatus: 400 } });
  });
});
