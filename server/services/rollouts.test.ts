import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DesiredService } from "../engine/types";
import { AppError } from "../lib/app-error";
import { createSecretBox } from "../lib/secret-box";
import { createEngineStore } from "../store/engine-store";
import { testBackends } from "../testing/databases";
import { migratedStore, type MigratedStore } from "../testing/store";
import { createRollouts, type Rollouts } from "./rollouts";
import { createTopology, type Topology } from "./topology";

const secrets = createSecretBox(randomBytes(32));
const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-rollouts-"));
const template = { command: "node", args: ["v1.js"], env: { COLOR: "blue", TOKEN: "tok-1" }, secretEnv: ["TOKEN"] };
let counter = 0;

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe.each(testBackends())("rollouts on $name", (backend) => {
  let store: MigratedStore;
  let topology: Topology;
  let rollouts: Rollouts;
  const previewed: DesiredService[] = [];

  beforeAll(async () => {
    store = await migratedStore(backend);
    topology = createTopology({ prisma: store.prisma, feed: store.feed, secrets, baseDir, listenerPorts: { from: 19000, to: 19999 }, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
    rollouts = createRollouts({
      prisma: store.prisma,
      feed: store.feed,
      secrets,
      linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" },
      preview: (desired) => (previewed.push(desired), { waves: [[{ kind: "start", revision: desired.revision }]], starts: 1, stops: 0, peak: 2, lowestReady: 1 }),
    });
  });
  afterAll(() => store.dispose());

  const engineStore = () => createEngineStore(store.prisma, store.feed, secrets, rollouts);
  const kinds = async (serviceId: string) => (await store.prisma.event.findMany({ where: { serviceId, kind: { startsWith: "rollout." } }, orderBy: { id: "asc" } })).map((e) => e.kind);

  /** A service on revision 2 with its rollout from 1 running. */
  async function edited(strategy = {}) {
    const created = await topology.createService({ name: `roll-${++counter}`, replicas: 2, template, strategy }, "api");
    const service = await topology.updateService({ id: created.id, version: 1, patch: { template: { args: ["v2.js"] } } }, "api");
    const [rollout] = await rollouts.list({ serviceId: service.id });
    return { service, rollout: rollout! };
  }

  it("rolls back to an earlier revision without reusing numbers; the next edit gets a new one", async () => {
    const { service } = await edited();
    const back = await rollouts.rollback({ serviceId: service.id, revision: 1 }, "api");
    expect(back).toMatchObject({ fromRevision: 2, toRevision: 1, cause: "rollback", status: "progressing" });
    expect(await topology.getService(service.id)).toMatchObject({ revision: 1, template: { args: ["v1.js"] } });
    expect((await rollouts.list({ serviceId: service.id })).map((r) => r.status)).toEqual(["progressing", "superseded"]);
    const again = await topology.updateService({ id: service.id, version: 3, patch: { template: { args: ["v3.js"] } } }, "api");
    expect(again.revision).toBe(3);
    expect((await rollouts.revisions({ serviceId: service.id })).map((r) => [r.number, r.command, r.current])).toEqual([[3, "node v3.js", true], [2, "node v2.js", false], [1, "node v1.js", false]]);
    // The engine starts rolled-back instances with the real secret.
    expect((await engineStore().desiredService(service.id))!.template.env.TOKEN).toBe("tok-1");

    expect(await rejection(rollouts.rollback({ serviceId: service.id, revision: 3 }, "api"))).toMatchObject({ code: "CONFLICT", message: `${service.name} already runs revision 3` });
    expect(await rejection(rollouts.rollback({ serviceId: service.id, revision: 9 }, "api"))).toMatchObject({ code: "NOT_FOUND", message: `service ${service.name} has no revision 9` });
    expect(await rollouts.revisions({ serviceId: service.id })).toHaveLength(3);
  });

  it("pauses, resumes and aborts; the engine sees a paused rollout as held", async () => {
    const { service, rollout } = await edited();
    await rollouts.pause({ serviceId: service.id }, "api");
    expect((await engineStore().desiredService(service.id))!.rollout).toMatchObject({ id: rollout.id, status: "paused" });
    expect(await rejection(rollouts.pause({ serviceId: service.id }, "api"))).toMatchObject({ code: "CONFLICT" });
    await rollouts.resume({ serviceId: service.id }, "api");
    expect((await engineStore().desiredService(service.id))!.rollout).toMatchObject({ status: "progressing" });
    const back = await rollouts.abort({ serviceId: service.id }, "api");
    expect(back).toMatchObject({ fromRevision: 2, toRevision: 1, cause: "abort" });
    expect((await rollouts.list({ serviceId: service.id }))[1]).toMatchObject({ id: rollout.id, status: "aborted" });
    expect((await topology.getService(service.id)).revision).toBe(1);
    expect(await kinds(service.id)).toEqual(["rollout.started", "rollout.paused", "rollout.resumed", "rollout.aborted", "rollout.started"]);
    await engineStore().rolloutSucceeded(back.id, { updated: 2, remaining: 0 });
    expect(await rejection(rollouts.resume({ serviceId: service.id }, "api"))).toMatchObject({ code: "CONFLICT", message: `no rollout of ${service.name} is in progress` });
  });

  it("records the engine's progress and success, with events", async () => {
    const { service, rollout } = await edited();
    await engineStore().rolloutProgressed(rollout.id, { updated: 1, remaining: 1 });
    await engineStore().rolloutSucceeded(rollout.id, { updated: 2, remaining: 0 });
    expect((await rollouts.list({ serviceId: service.id }))[0]).toMatchObject({ status: "succeeded", updated: 2, remaining: 0, finishedAt: expect.any(String) });
    expect((await engineStore().desiredService(service.id))!.rollout).toBeNull();
    const messages = (await store.prisma.event.findMany({ where: { serviceId: service.id, kind: { in: ["rollout.progressed", "rollout.succeeded"] } }, orderBy: { id: "asc" } })).map((e) => e.message);
    expect(messages).toEqual([`${service.name} revision 2: 1 of 2 updated, 1 old left`, expect.stringMatching(new RegExp(`^${service.name} runs revision 2 on all 2 instance\\(s\\); rollout took \\d+\\.\\d s$`))]);
    // A late report about a finished rollout changes nothing.
    await engineStore().rolloutStalled(rollout.id, "too late");
    expect((await rollouts.list({ serviceId: service.id }))[0]!.status).toBe("succeeded");
  });

  it("a stalled rollout fails and holds; with auto rollback it returns to the old revision", async () => {
    const held = await edited();
    await engineStore().rolloutStalled(held.rollout.id, "no progress for 120 s");
    expect((await rollouts.list({ serviceId: held.service.id }))[0]).toMatchObject({ status: "failed", message: "no progress for 120 s" });
    expect((await engineStore().desiredService(held.service.id))!).toMatchObject({ revision: 2, rollout: { status: "failed" } });

    const auto = await edited({ autoRollback: true, progressDeadlineSeconds: 5 });
    await engineStore().rolloutStalled(auto.rollout.id, "no progress for 5 s");
    expect(await topology.getService(auto.service.id)).toMatchObject({ revision: 1, template: { args: ["v1.js"] } });
    expect((await rollouts.list({ serviceId: auto.service.id })).map((r) => [r.cause, r.status])).toEqual([["auto-rollback", "progressing"], ["update", "failed"]]);
    expect(await kinds(auto.service.id)).toEqual(["rollout.started", "rollout.failed", "rollout.started"]);
  });

  it("diffs two revisions without showing secret values", async () => {
    const { service } = await edited();
    const latest = await topology.getService(service.id);
    await topology.updateService({ id: service.id, version: latest.version, patch: { template: { env: { COLOR: "green", TOKEN: "tok-2" } } } }, "api");
    const diff = await rollouts.diff({ serviceId: service.id, from: 1, to: 3 });
    expect(diff).toEqual([
      { path: "args", before: ["v1.js"], after: ["v2.js"] },
      { path: "env.COLOR", before: "blue", after: "green" },
      { path: "env.TOKEN", before: "<secret>", after: "<secret>" },
    ]);
    expect(JSON.stringify(diff)).not.toContain("tok-");
  });

  it("previews an edit with the engine's reconciler and changes nothing", async () => {
    const { service } = await edited();
    const before = await store.prisma.event.count();
    const plan = await rollouts.plan({ id: service.id, version: service.version, patch: { replicas: 4, template: { env: { COLOR: "red", TOKEN: "<secret>" } } } });
    expect(plan).toMatchObject({ changed: ["replicas", "template"], revision: { from: 2, to: 3 }, diff: [{ path: "env.COLOR", before: "blue", after: "red" }], starts: 1 });
    expect(previewed.at(-1)).toMatchObject({ id: service.id, replicas: 4, revision: 3, rollout: null });
    expect(await store.prisma.event.count()).toBe(before);
    expect((await topology.getService(service.id)).revision).toBe(2);
    expect(await rejection(rollouts.plan({ id: service.id, version: 1, patch: { replicas: 1 } }))).toMatchObject({ code: "CONFLICT" });
    expect(await rejection(rollouts.plan({ id: service.id, version: service.version, patch: { strategy: { maxSurge: 0 } } }))).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("lists each service's newest rollout that is running or failed, and keeps 50 per service", async () => {
    const { service } = await edited();
    let version = service.version;
    for (let n = 3; n <= 52; n++) version = (await topology.updateService({ id: service.id, version, patch: { template: { args: [`v${n}.js`] } } }, "api")).version;
    expect(await store.prisma.rollout.count({ where: { serviceId: service.id } })).toBe(50);
    const mine = (await rollouts.latest()).filter((r) => r.serviceId === service.id);
    expect(mine).toEqual([expect.objectContaining({ toRevision: 52, status: "progressing" })]);
    expect(await store.prisma.revision.count({ where: { serviceId: service.id } })).toBe(52); // revisions are all kept
  });

  it("only the newest rollout holds a service: an old failure is forgotten once something newer began", async () => {
    const { service, rollout: failing } = await edited();
    await engineStore().rolloutStalled(failing.id, "no progress"); // 1 → 2 failed, holding
    // An edit over the failure counts from the last good revision: an abort won't return to 2.
    const fixed = await topology.updateService({ id: service.id, version: (await topology.getService(service.id)).version, patch: { template: { args: ["v3.js"] } } }, "api");
    const [next] = await rollouts.list({ serviceId: service.id });
    expect(next).toMatchObject({ fromRevision: 1, toRevision: 3 });
    await engineStore().rolloutSucceeded(next!.id, { updated: 2, remaining: 0 });
    // Back to 2, the revision whose rollout once failed: this time it works.
    const again = await rollouts.rollback({ serviceId: service.id, revision: 2 }, "api");
    await engineStore().rolloutSucceeded(again.id, { updated: 2, remaining: 0 });
    expect(fixed.revision).toBe(3);
    expect((await engineStore().desiredService(service.id))!).toMatchObject({ revision: 2, rollout: null });
    expect((await rollouts.latest()).filter((r) => r.serviceId === service.id)).toEqual([expect.objectContaining({ id: again.id, status: "succeeded" })]);
  });

  it("keeps the best progress so far: a dip and recovery is not progress twice", async () => {
    const { service, rollout } = await edited();
    await engineStore().rolloutProgressed(rollout.id, { updated: 1, remaining: 1 });
    await engineStore().rolloutProgressed(rollout.id, { updated: 0, remaining: 2 });
    expect((await rollouts.list({ serviceId: service.id }))[0]).toMatchObject({ updated: 1, remaining: 1 });
    expect((await engineStore().desiredService(service.id))!.rollout).toMatchObject({ updated: 1, remaining: 1 });
  });

  it("with the secret key lost, a service can't start instances but can still be scaled to 0 and deleted", async () => {
    const { service } = await edited();
    const wrongKey = createSecretBox(randomBytes(32));
    const lost = createEngineStore(store.prisma, store.feed, wrongKey, rollouts);
    await expect(lost.desiredService(service.id)).rejects.toThrow("a stored secret could not be decrypted");
    await topology.scaleService({ id: service.id, replicas: 0 }, "api");
    expect(await lost.desiredService(service.id)).toMatchObject({ replicas: 0 });
    await topology.scaleService({ id: service.id, replicas: 1 }, "api");
    await topology.deleteService(service.id, "api");
    expect(await lost.desiredService(service.id)).toMatchObject({ deleting: true });
  });
});
