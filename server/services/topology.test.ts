import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../lib/app-error";
import { testBackends } from "../testing/databases";
import { migratedStore, type MigratedStore } from "../testing/store";
import { createEngineStore } from "../store/engine-store";
import { createRollouts } from "./rollouts";
import { createTopology, type Topology } from "./topology";
import { randomBytes } from "node:crypto";
import { SECRET_PLACEHOLDER } from "../contracts/service";
import { createSecretBox } from "../lib/secret-box";

const secrets = createSecretBox(randomBytes(32));

const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-topology-"));
fs.mkdirSync(path.join(baseDir, "app"));

let counter = 0;
const uniqueName = (prefix = "svc") => `${prefix}-${++counter}`;
const template = { command: "node", args: ["server.js"], cwd: "app" };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe.each(testBackends())("topology on $name", (backend) => {
  let store: MigratedStore;
  let topology: Topology;

  beforeAll(async () => {
    store = await migratedStore(backend);
    topology = createTopology({ prisma: store.prisma, feed: store.feed, secrets, baseDir, listenerPorts: { from: 19000, to: 19999 }, reservedPorts: (port) => (port === 19001 ? "Gantry's own port" : undefined), linkHost: { local: "127.0.0.1", swarm: "10.77.0.1" } });
  });
  afterAll(() => store.dispose());
  beforeEach(() => {
    store.changes.length = 0;
  });

  const eventCount = () => store.prisma.event.count();
  const engineStore = () =>
    createEngineStore(store.prisma, store.feed, secrets, createRollouts({ prisma: store.prisma, feed: store.feed, secrets, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" }, preview: () => { throw new Error("no engine in these tests"); } }));

  it("creates a service with revision 1, one event, and publishes both after commit", async () => {
    const name = uniqueName();
    const service = await topology.createService({ name, replicas: 2, template }, "api");
    expect(service).toMatchObject({ name, replicas: 2, revision: 1, version: 1, template: { command: "node", args: ["server.js"], shell: false, env: {} } });
    expect(await topology.getService(service.id)).toEqual(service);
    expect(await store.prisma.revision.findMany({ where: { serviceId: service.id } })).toHaveLength(1);
    expect(store.changes).toContainEqual({ type: "topology", delta: { kind: "service.upserted", service } });
    expect(store.changes).toContainEqual({ type: "event", event: expect.objectContaining({ kind: "service.created", serviceId: service.id }) });
    const events = await store.prisma.event.findMany({ where: { serviceId: service.id } });
    expect(events.map((e) => [e.kind, e.actor])).toEqual([["service.created", "api"]]);
  });

  it("refuses a duplicate name with CONFLICT on the name field and changes nothing", async () => {
    const name = uniqueName();
    await topology.createService({ name, template }, "api");
    const before = await eventCount();
    const err = await rejection(topology.createService({ name, template }, "api"));
    expect(err).toMatchObject({ code: "CONFLICT", field: "name", message: `a service named ${name} already exists` });
    expect(await eventCount()).toBe(before);
    expect((await topology.listServices()).filter((s) => s.name === name)).toHaveLength(1);
  });

  it("keeps names unique when two creates race", async () => {
    const name = uniqueName();
    const results = await Promise.allSettled([topology.createService({ name, template }, "api"), topology.createService({ name, template }, "api")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failure.reason).toMatchObject({ code: "CONFLICT" });
  });

  it.each([
    ["Upper", "DNS label"],
    ["9lives", "starting with a letter"],
    ["ends-", "not ending with '-'"],
    ["a".repeat(64), "at most 63"],
  ])("rejects the name %j (%s)", async (name, message) => {
    await expect(topology.createService({ name, template }, "api")).rejects.toThrow(message);
  });

  it("rejects replicas outside 0–100 and reserved env names", async () => {
    await expect(topology.createService({ name: uniqueName(), replicas: 101, template }, "api")).rejects.toThrow("at most 100");
    await expect(topology.createService({ name: uniqueName(), template: { ...template, env: { PORT: "1" } } }, "api")).rejects.toThrow("set by Gantry");
  });

  it("rejects a working directory that does not exist, naming it", async () => {
    const err = await rejection(topology.createService({ name: uniqueName(), template: { ...template, cwd: "nope" } }, "api"));
    expect(err).toMatchObject({ code: "BAD_REQUEST", field: "template.cwd" });
    expect(err.message).toContain(path.join(baseDir, "nope"));
  });

  it("creates a new revision and starts a rollout when the template changes, not when replicas or the strategy do", async () => {
    const service = await topology.createService({ name: uniqueName(), template }, "api");
    const scaled = await topology.updateService({ id: service.id, version: 1, patch: { replicas: 3 } }, "api");
    expect(scaled).toMatchObject({ version: 2, replicas: 3, revision: 1 });
    const edited = await topology.updateService({ id: service.id, version: 2, patch: { template: { env: { MODE: "fast" } } } }, "api");
    expect(edited).toMatchObject({ version: 3, revision: 2, template: { command: "node", env: { MODE: "fast" } } });
    const revisions = await store.prisma.revision.findMany({ where: { serviceId: service.id }, orderBy: { number: "asc" } });
    expect(revisions.map((r) => r.number)).toEqual([1, 2]);
    const kinds = await store.prisma.event.findMany({ where: { serviceId: service.id }, orderBy: { id: "asc" } });
    expect(kinds.map((e) => e.message)).toEqual([
      expect.stringContaining("created"),
      `updated replicas of ${service.name}`,
      `updated template of ${service.name} (revision 2)`,
      `rolling ${service.name} from revision 1 to 2 (update)`,
    ]);
    const rollouts = await store.prisma.rollout.findMany({ where: { serviceId: service.id } });
    expect(rollouts).toEqual([expect.objectContaining({ fromRevision: 1, toRevision: 2, status: "progressing", cause: "update", replicas: 3 })]);
    expect(store.changes).toContainEqual({ type: "rollout", rollout: expect.objectContaining({ id: rollouts[0]!.id }) });

    const tuned = await topology.updateService({ id: service.id, version: 3, patch: { strategy: { maxSurge: 2, autoRollback: true } } }, "api");
    expect(tuned).toMatchObject({ revision: 2, strategy: { maxSurge: 2, maxUnavailable: 0, autoRollback: true, progressDeadlineSeconds: 120, minReadySeconds: 0 } });
    expect(await rejection(topology.updateService({ id: service.id, version: 4, patch: { strategy: { maxSurge: 0 } } }, "api"))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await store.prisma.rollout.count({ where: { serviceId: service.id } })).toBe(1);
  });

  it("places services on the canvas without a new version, revision or event, all or nothing", async () => {
    const a = await topology.createService({ name: uniqueName(), template }, "api");
    const b = await topology.createService({ name: uniqueName(), template, position: { x: 5, y: 6 } }, "api");
    expect(a.position).toBeNull();
    expect(b.position).toEqual({ x: 5, y: 6 });
    const before = await eventCount();
    const placed = await topology.placeServices({ positions: [{ id: a.id, x: 100, y: 200.5 }, { id: b.id, x: -40, y: 0 }] }, "api");
    expect(placed.map((s) => [s.position, s.version, s.revision])).toEqual([[{ x: 100, y: 200.5 }, 1, 1], [{ x: -40, y: 0 }, 1, 1]]);
    expect(await eventCount()).toBe(before);

    const missing = "00000000-0000-4000-8000-000000000000";
    expect(await rejection(topology.placeServices({ positions: [{ id: a.id, x: 1, y: 1 }, { id: missing, x: 2, y: 2 }] }, "api"))).toMatchObject({ code: "NOT_FOUND" });
    expect((await topology.getService(a.id)).position).toEqual({ x: 100, y: 200.5 });
    await expect(topology.placeServices({ positions: [{ id: a.id, x: Number.NaN, y: 0 }] }, "api")).rejects.toThrow();
  });

  it("keeps secret values from clients and the database, gives them to the engine, and keeps them when the placeholder comes back", async () => {
    const created = await topology.createService({ name: uniqueName(), template: { ...template, env: { MODE: "fast", TOKEN: "s3cret" }, secretEnv: ["TOKEN"] } }, "api");
    expect(created.template.env).toEqual({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER });
    const row = await store.prisma.service.findUniqueOrThrow({ where: { id: created.id } });
    const revision = await store.prisma.revision.findFirstOrThrow({ where: { serviceId: created.id } });
    expect(JSON.stringify([row.template, revision.template])).not.toContain("s3cret");
    expect(JSON.stringify(store.changes)).not.toContain("s3cret");
    expect((await engineStore().desiredService(created.id))!.template.env).toEqual({ MODE: "fast", TOKEN: "s3cret" });

    // The form sends back what it was given: no change, no new revision.
    const same = await topology.updateService({ id: created.id, version: 1, patch: { template: { env: created.template.env } } }, "api");
    expect(same).toMatchObject({ version: 1, revision: 1 });
    const edited = await topology.updateService({ id: created.id, version: 1, patch: { template: { env: { MODE: "slow", TOKEN: SECRET_PLACEHOLDER } } } }, "api");
    expect(edited.revision).toBe(2);
    expect((await engineStore().revisionTemplate(created.id, 2))!.env).toEqual({ MODE: "slow", TOKEN: "s3cret" });
    await expect(topology.updateService({ id: created.id, version: 2, patch: { template: { env: { MODE: "slow" } } } }, "api")).rejects.toThrow("secret TOKEN has no value");
  });

  it("fails a stale update with CONFLICT and changes nothing", async () => {
    const service = await topology.createService({ name: uniqueName(), template }, "api");
    await topology.updateService({ id: service.id, version: 1, patch: { replicas: 4 } }, "api");
    const before = await eventCount();
    const err = await rejection(topology.updateService({ id: service.id, version: 1, patch: { replicas: 9 } }, "api"));
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toContain("changed by someone else");
    expect(await topology.getService(service.id)).toMatchObject({ replicas: 4, version: 2 });
    expect(await eventCount()).toBe(before);
  });

  it("lets exactly one of two concurrent updates with the same version win", async () => {
    const service = await topology.createService({ name: uniqueName(), template }, "api");
    const results = await Promise.allSettled([
      topology.updateService({ id: service.id, version: 1, patch: { replicas: 5 } }, "api"),
      topology.updateService({ id: service.id, version: 1, patch: { replicas: 6 } }, "api"),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await topology.getService(service.id)).version).toBe(2);
  });

  it("treats an update that changes nothing as no mutation", async () => {
    const service = await topology.createService({ name: uniqueName(), replicas: 2, template }, "api");
    const before = await eventCount();
    expect(await topology.updateService({ id: service.id, version: 1, patch: { replicas: 2, template: { args: ["server.js"] } } }, "api")).toEqual(service);
    expect(await eventCount()).toBe(before);
  });

  it("points a swarm service's links at the address every node reaches (GANTRY_SWARM_ADVERTISE), a process's at Gantry's host", async () => {
    const callee = await topology.createService({ name: uniqueName("db"), template }, "api");
    const swarmCaller = await topology.createService({ name: uniqueName("sw"), template: { runtime: "swarm", image: "busybox", command: "httpd" } }, "api");
    const processCaller = await topology.createService({ name: uniqueName("pr"), template }, "api");
    for (const caller of [swarmCaller, processCaller]) await topology.createDependency({ fromId: caller.id, toId: callee.id }, "api");
    const linkOf = async (id: string) => Object.values((await topology.getService(id)).template.links)[0];
    expect(await linkOf(swarmCaller.id)).toMatch(/^http:\/\/10\.77\.0\.1:\d+$/);
    expect(await linkOf(processCaller.id)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Moving a service onto the swarm moves its links with it.
    const moved = await topology.updateService({ id: processCaller.id, version: (await topology.getService(processCaller.id)).version, patch: { template: { runtime: "swarm", image: "busybox", command: "httpd", cwd: "" }, strategy: { maxSurge: 0, maxUnavailable: 1 } } }, "api");
    expect(Object.values(moved.template.links)[0]).toMatch(/^http:\/\/10\.77\.0\.1:\d+$/);
  });

  it("connects services, refuses self and duplicate edges, and deletes a service with its edges", async () => {
    const [a, b] = [await topology.createService({ name: uniqueName("a"), template }, "api"), await topology.createService({ name: uniqueName("b"), template }, "api")];
    const edge = await topology.createDependency({ fromId: a.id, toId: b.id }, "api");
    expect(await rejection(topology.createDependency({ fromId: a.id, toId: a.id }, "api"))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await rejection(topology.createDependency({ fromId: a.id, toId: b.id }, "api"))).toMatchObject({
      code: "CONFLICT",
      message: `dependency ${a.name} → ${b.name} already exists`,
    });
    store.changes.length = 0;
    await topology.deleteService(b.id, "api");
    expect(await topology.listDependencies()).not.toContainEqual(edge);
    expect(store.changes).toContainEqual({ type: "topology", delta: { kind: "dependency.removed", id: edge.id } });
    // Deletion is a request: the service stays, marked deleting, until the engine has stopped its instances.
    const deleting = await topology.getService(b.id);
    expect(deleting.deleting).toBe(true);
    expect(await rejection(topology.scaleService({ id: b.id, replicas: 3 }, "api"))).toMatchObject({ code: "CONFLICT", message: `service ${b.name} is being deleted` });
    expect(await rejection(topology.createService({ name: b.name, template }, "api"))).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("still being deleted") });
    await engineStore().finalizeDeletion(b.id);
    expect(store.changes).toContainEqual({ type: "topology", delta: { kind: "service.removed", id: b.id } });
    expect(await rejection(topology.getService(b.id))).toMatchObject({ code: "NOT_FOUND" });
    // The audit trail outlives the service.
    expect((await store.prisma.event.findMany({ where: { serviceId: b.id } })).map((e) => e.kind)).toEqual(["service.created", "service.deleting", "service.deleted"]);
  });

  it("scales without a version, bumping it, and records the change", async () => {
    const service = await topology.createService({ name: uniqueName(), template }, "api");
    const scaled = await topology.scaleService({ id: service.id, replicas: 4 }, "api");
    expect(scaled).toMatchObject({ replicas: 4, version: 2, revision: 1 });
    expect(await store.prisma.event.count({ where: { serviceId: service.id, kind: "service.scaled" } })).toBe(1);
    await expect(topology.scaleService({ id: service.id, replicas: 101 }, "api")).rejects.toThrow("at most 100");
  });

  it("reports unknown ids as NOT_FOUND", async () => {
    const ghost = "00000000-0000-4000-8000-000000000000";
    expect(await rejection(topology.deleteService(ghost, "api"))).toMatchObject({ code: "NOT_FOUND" });
    expect(await rejection(topology.deleteDependency({ id: ghost }, "api"))).toMatchObject({ code: "NOT_FOUND" });
  });
});
