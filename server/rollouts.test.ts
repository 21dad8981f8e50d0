import http from "node:http";
import { describe, expect, it } from "vitest";
import { fixtureTemplate, useTestGantry, type ApiClient } from "./testing/gantry";
import { get as getWith } from "./testing/http";
import { waitFor } from "./testing/wait";

const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });

const get = (url: string) => getWith(url, agent);

/** Continuous load from `concurrency` keep-alive clients until stopped. */
function load(url: string, concurrency = 10) {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  /** Bodies of the answers: which revision served, when the URL is /env/VERSION. */
  const answered = new Set<string>();
  const worker = async () => {
    while (running) {
      const res = await get(url);
      if (res.status === 200) ok++;
      else failures.push(`${res.status} ${res.body}`);
      if (res.status === 200) answered.add(res.body);
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    answered,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return { ok, failures };
    },
  };
}

const rolloutsOf = (api: ApiClient, serviceId: string) => api.rollouts.list.query({ serviceId });
const until = (api: ApiClient, serviceId: string, what: string, test: (r: Awaited<ReturnType<typeof rolloutsOf>>) => boolean) =>
  waitFor(async () => ((list) => (test(list) ? list : undefined))(await rolloutsOf(api, serviceId)), what, 30_000);

describe("rolling updates of real processes under load", () => {
  const server = useTestGantry();
  const ready = (serviceId: string, count: number, revision: number) =>
    waitFor(async () => {
      const list = await server.api.instances.list.query({ serviceId });
      return list.length === count && list.every((i) => i.ready && i.revision === revision) ? list : undefined;
    }, `${count} ready on revision ${revision}`);

  it("rolls 4 instances to a new revision with 0 failed client requests", async () => {
    const service = await server.api.services.create.mutate({ name: "roller", replicas: 4, template: fixtureTemplate({ VERSION: "1" }) });
    const before = await ready(service.id, 4, 1);
    const traffic = load(`http://127.0.0.1:${service.listenPort}/`);
    await new Promise((r) => setTimeout(r, 300));
    await server.api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: "2" } } } });
    const [done] = await until(server.api, service.id, "the rollout to succeed", (list) => list[0]?.status === "succeeded");
    await new Promise((r) => setTimeout(r, 300));
    const { ok, failures } = await traffic.stop();

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect(done).toMatchObject({ fromRevision: 1, toRevision: 2, cause: "update", updated: 4, remaining: 0 });
    const after = await ready(service.id, 4, 2);
    expect(after.some((i) => before.some((b) => b.id === i.id))).toBe(false);
    expect((await get(`http://127.0.0.1:${after[0]!.port}/env/VERSION`)).body).toBe("2");
    await server.api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("rolls a single instance behind a readiness probe twice with 0 failed client requests", async () => {
    // Its replacement turns ready in the same tick the old one is told to stop: the data plane
    // must learn of the one before it drains the other.
    const template = { ...fixtureTemplate({ VERSION: "1" }), probes: { readiness: { kind: "http" as const, path: "/", periodSeconds: 1 } } };
    let service = await server.api.services.create.mutate({ name: "single", replicas: 1, template });
    await ready(service.id, 1, 1);
    const traffic = load(`http://127.0.0.1:${service.listenPort}/env/VERSION`, 2);
    for (const revision of [2, 3]) {
      service = await server.api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: String(revision) } } } });
      await until(server.api, service.id, `the rollout to revision ${revision}`, (list) => list[0]?.toRevision === revision && list[0].status === "succeeded");
    }
    await waitFor(() => (traffic.answered.has("3") ? true : undefined), "an answer from revision 3");
    const { failures } = await traffic.stop();
    expect(failures).toEqual([]);
    // Traffic flowed throughout: each revision answered some of it, however slow the machine.
    expect([...traffic.answered].sort()).toEqual(["1", "2", "3"]);
    await server.api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("a revision that exits at start fails its rollout at the deadline and auto-rollback restores the old one, 0 failed requests", async () => {
    const service = await server.api.services.create.mutate({
      name: "fragile",
      replicas: 2,
      template: fixtureTemplate({ VERSION: "1" }),
      strategy: { autoRollback: true, progressDeadlineSeconds: 3 },
    });
    const before = await ready(service.id, 2, 1);
    const traffic = load(`http://127.0.0.1:${service.listenPort}/`);
    await server.api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: "2", FIXTURE_EXIT_AT_START: "1" } } } });
    const list = await until(server.api, service.id, "the rollback to finish", (l) => l[0]?.cause === "auto-rollback" && l[0].status === "succeeded");
    const { ok, failures } = await traffic.stop();

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    expect(list[1]).toMatchObject({ toRevision: 2, status: "failed", message: expect.stringMatching(/^no progress for 3 s: revision 2 has 0 of 2 instance\(s\) ready/) });
    expect(list[0]).toMatchObject({ fromRevision: 2, toRevision: 1 });
    expect(await server.api.services.get.query({ id: service.id })).toMatchObject({ revision: 1, template: { env: { VERSION: "1" } } });
    // The old instances served throughout: the same ones are still there.
    expect((await ready(service.id, 2, 1)).map((i) => i.id).sort()).toEqual(before.map((i) => i.id).sort());
    const events = await server.api.events.list.query({ serviceId: service.id, kind: "rollout" });
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["rollout.started", "rollout.failed"]));
    await server.api.services.delete.mutate({ id: service.id });
  }, 60_000);
});
