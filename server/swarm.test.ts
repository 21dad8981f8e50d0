import { describe, expect, it } from "vitest";
import type { Instance } from "./contracts/instance";
import type { InstanceTemplateInput } from "./contracts/service";
import { startLoad } from "./testing/load";
import { tempDir, testPortRange, useTestGantry, type ApiClient } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { testSwarm } from "./testing/swarm";
import { waitFor } from "./testing/wait";

// Gantry running services on a real single-node Docker Swarm (scripts/swarm-test-daemon.sh).
const swarm = await testSwarm();

/** busybox httpd on the task's PORT, answering {"pid": PORT} (so the load report tells tasks apart). */
const httpd = (overrides: Partial<InstanceTemplateInput> = {}): InstanceTemplateInput => ({
  runtime: "swarm",
  image: swarm?.image ?? "",
  command: 'echo "serving $GANTRY_INSTANCE on $PORT"; mkdir -p /www && echo "{\\"pid\\":$PORT}" > /www/index.html && echo "$TOKEN" > /www/token && exec httpd -f -p $PORT -h /www',
  shell: true,
  gracePeriodSeconds: 1,
  ...overrides,
});
/** Stop-first, one task at a time: the only update Swarm can do when a task's new version takes its slot's port. */
const strategy = { maxSurge: 0, maxUnavailable: 1, progressDeadlineSeconds: 60 };

const instancesOf = (api: ApiClient, serviceId: string) => api.instances.list.query({ serviceId });
const ready = (api: ApiClient, serviceId: string, count: number, revision?: number) =>
  waitFor(
    async () => ((list) => (list.length === count && list.every((i) => i.phase === "Running" && i.ready && (revision === undefined || i.revision === revision)) ? list : undefined))(await instancesOf(api, serviceId)),
    `${count} ready${revision ? ` at revision ${revision}` : ""}`,
    60_000,
    100,
  );
const secretsOf = (serviceId: string) => swarm!.docker.listSecrets({ filters: { label: [`gantry.service=${serviceId}`] } });
const swarmServicesOf = (serviceId: string) => swarm!.docker.listServices({ filters: { label: [`gantry.service=${serviceId}`] } });

describe.skipIf(!swarm)("services on Docker Swarm", () => {
  const server = useTestGantry(() => ({ swarm: swarm!.settings }));

  it("a service is a Swarm service: scaled 1 → 4 → 2, its tasks instances with node and slot, reached through its listener, with their logs", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "web", replicas: 1, template: httpd(), strategy });
    const [first] = await ready(api, service.id, 1);
    const [swarmService] = await swarmServicesOf(service.id);
    expect(swarmService?.Spec?.Mode?.Replicated?.Replicas).toBe(1);
    expect(first!.runtime).toMatchObject({ kind: "swarm", slot: 1, state: "running", desiredState: "running", error: null });

    await api.services.scale.mutate({ id: service.id, replicas: 4 });
    const four = await ready(api, service.id, 4);
    expect(four.map((i) => (i.runtime?.kind === "swarm" ? i.runtime.slot : 0)).sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(four.map((i) => i.port)).size).toBe(4);
    const load = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 0, fresh: 4, pauseMs: 2 });
    await waitFor(() => (load.report.servedBy.size === 4 ? true : undefined), "all four tasks answered", 10_000);
    expect((await load.stop()).failures).toEqual([]);

    // Tasks on the manager's own node are sampled through its daemon; the Nodes page sums them per node.
    await waitFor(async () => ((await instancesOf(api, service.id)).every((i) => i.memoryBytes !== null) ? true : undefined), "usage of every task", 10_000);
    const nodes = await api.nodes.list.query();
    expect(nodes.connected && nodes.nodes[0]).toMatchObject({ role: "manager", state: "ready", availability: "active", usedMemoryBytes: expect.any(Number), instances: expect.arrayContaining(four.map((i) => expect.objectContaining({ id: i.id }))) });

    const lines = await waitFor(async () => ((l) => (l.length > 0 ? l : undefined))(await api.logs.search.query({ instanceId: first!.id, tail: 5 })), "the first task's log");
    expect(lines.map((l) => l.text)).toEqual([`serving ${first!.id} on ${first!.port}`]);

    await api.services.scale.mutate({ id: service.id, replicas: 2 });
    // An instance follows its task after it started: the table shows Swarm removing two of them (desired state `remove`).
    const beingRemoved = (i: Instance) => i.runtime?.kind === "swarm" && i.runtime.desiredState === "remove";
    await waitFor(async () => ((await instancesOf(api, service.id)).filter(beingRemoved).length === 2 ? true : undefined), "two tasks shown being removed", 20_000, 50);
    await ready(api, service.id, 2);
    expect((await swarmServicesOf(service.id))[0]?.Spec?.Mode?.Replicated?.Replicas).toBe(2);
    await api.services.delete.mutate({ id: service.id });
  }, 90_000);

  it("rolls an update through Swarm one task at a time with no failed request through the listener; secrets are Swarm secrets", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "rolling", replicas: 2, template: httpd({ env: { TOKEN: "first-s3cret" }, secretEnv: ["TOKEN"] }), strategy });
    await ready(api, service.id, 2, 1);
    const load = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 2, fresh: 2 });
    // A new secret value is a new Swarm secret, and rolls the tasks over to it; the preview says how Swarm will.
    const change = { id: service.id, version: service.version, patch: { template: { env: { TOKEN: "second-s3cret" } } } };
    expect((await api.rollouts.plan.mutate(change)).cluster).toMatch(/^Swarm replaces the 2 task\(s\) one task at a time, stop-first .* 5 s between batches; .* if a new task fails it pauses the update/);
    await api.services.update.mutate(change);
    await ready(api, service.id, 2, 2);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);
    expect(report.ok).toBeGreaterThan(50);
    const [rollout] = await api.rollouts.list.query({ serviceId: service.id });
    await waitFor(async () => ((await api.rollouts.list.query({ serviceId: service.id }))[0]?.status === "succeeded" ? true : undefined), "the rollout succeeded");
    expect(rollout?.toRevision).toBe(2);
    // The progress bar read Swarm's own UpdateStatus on the way.
    const [done] = await api.rollouts.list.query({ serviceId: service.id });
    expect(done?.cluster).toMatchObject({ state: expect.stringMatching(/^(updating|completed)$/), message: expect.any(String), updatedTasks: expect.any(Number) });
    const [swarmService] = await swarmServicesOf(service.id);
    expect(swarmService?.Spec?.UpdateConfig).toMatchObject({ Parallelism: 1, Order: "stop-first", FailureAction: "pause" });

    // The task reads the value as its env; `docker service inspect` shows only the secret's name.
    expect(await (await fetch(`http://127.0.0.1:${service.listenPort}/token`)).text()).toBe("second-s3cret\n");
    expect(JSON.stringify(swarmService)).not.toMatch(/s3cret/);
    expect(swarmService?.Spec?.TaskTemplate).toMatchObject({ ContainerSpec: { Secrets: [expect.objectContaining({ SecretName: expect.stringMatching(/^gantry-rolling-TOKEN-/) })] } });
    // The secret a rollback would return to stays; deleting the service removes both.
    expect(await secretsOf(service.id)).toHaveLength(2);
    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await secretsOf(service.id)).length === 0 ? true : undefined), "its Swarm secrets removed", 20_000);
  }, 90_000);

  it("Swarm rolls back an update to a crashing image, and the rollout fails with Swarm's words", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "doomed", replicas: 2, template: httpd(), strategy: { ...strategy, autoRollback: true, minReadySeconds: 1 } });
    await ready(api, service.id, 2, 1);
    await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { command: "echo crashing; exit 3", listens: false } } });
    const failed = await waitFor(async () => (await api.rollouts.list.query({ serviceId: service.id })).find((r) => r.status === "failed"), "the rollout failed", 60_000, 200);
    expect(failed.message).toMatch(/^Swarm rolled the update back/);
    // Gantry's own auto-rollback then asks for what Swarm already runs again: the old command serves.
    await waitFor(async () => ((list) => (list.length === 2 && list.every((i) => i.ready) ? list : undefined))(await instancesOf(api, service.id)), "serving again", 60_000, 200);
    await api.services.delete.mutate({ id: service.id });
  }, 90_000);

  it("deleting a service removes its Swarm service and every task's instance", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "gone", replicas: 2, template: httpd(), strategy });
    await ready(api, service.id, 2);
    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await swarmServicesOf(service.id)).length === 0 ? true : undefined), "its Swarm service removed");
    await waitFor(async () => ((await instancesOf(api, service.id)).length === 0 ? true : undefined), "its instances gone", 20_000);
    await waitFor(async () => ((await api.services.list.query()).some((s) => s.id === service.id) ? undefined : true), "the service gone", 20_000);
  }, 60_000);

  it("what Swarm can't do is refused before anything is stored; a swarm service without a strategy rolls stop-first", async () => {
    const { api } = server;
    await expect(api.services.create.mutate({ name: "surging", replicas: 1, template: httpd(), strategy: { maxSurge: 1, maxUnavailable: 0 } })).rejects.toThrow(/set max surge to 0 and max unavailable to 1 or more/);
    await expect(api.services.create.mutate({ name: "execs", template: httpd({ probes: { readiness: { kind: "exec", command: ["true"] } } }) })).rejects.toThrow(/exec probe, which Gantry cannot run inside a swarm task/);
    const service = await api.services.create.mutate({ name: "plain", replicas: 0, template: httpd() });
    expect(service.strategy).toMatchObject({ maxSurge: 0, maxUnavailable: 1 });
    await expect(api.services.scale.mutate({ id: service.id, replicas: 100 })).rejects.toThrow(/at most 99 tasks/);
    expect((await api.services.list.query()).map((s) => s.name)).not.toContain("surging");
    await api.services.delete.mutate({ id: service.id });
  }, 30_000);
});

describe.skipIf(!swarm)("swarm services when Gantry is killed with SIGKILL", () => {
  const gantries = useGantryProcesses();

  it("a new Gantry on the same data dir follows the same tasks as the same instances, restarting none, and traffic flows throughout", async () => {
    // Names are the swarm's: a failed try (CI retries once) may have left its Swarm service behind.
    for (const left of await swarm!.docker.listServices({ filters: { name: ["gantry-survivor"] } })) await swarm!.docker.getService(left.ID!).remove();
    const dataDir = tempDir("swarm-restart");
    const port = testPortRange().from + 412;
    const { from, to } = swarm!.settings.portBlocks;
    const env = { GANTRY_SWARM: "1", GANTRY_SWARM_HOST: swarm!.settings.host!, GANTRY_SWARM_PORT_RANGE: `${from * 100}-${to * 100 + 99}` };
    const first = await gantries.start(dataDir, port, env);
    const service = await first.api.services.create.mutate({ name: "survivor", replicas: 2, template: httpd(), strategy });
    const before = await ready(first.api, service.id, 2);
    const tasksBefore = (await swarm!.docker.listTasks({ filters: { service: [`gantry-survivor`] } })).map((t) => t.ID).sort();
    const load = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 2, fresh: 2 });
    await waitFor(() => (load.report.servedBy.size === 2 ? true : undefined), "both tasks answered", 10_000);

    first.child.kill("SIGKILL");
    await first.exited;
    const { api } = await gantries.start(dataDir, port, env);
    const after = await ready(api, service.id, 2);
    const identity = (list: Instance[]) => list.map((i) => [i.id, i.port, i.runtime?.kind === "swarm" ? i.runtime.containerId : null]).sort();
    expect(identity(after)).toEqual(identity(before));
    // Swarm was not asked to change anything: the same two tasks, none replaced.
    expect((await swarm!.docker.listTasks({ filters: { service: [`gantry-survivor`] } })).map((t) => t.ID).sort()).toEqual(tasksBefore);
    const served = load.report.ok;
    await waitFor(() => (load.report.ok > served + 20 ? true : undefined), "traffic through the new Gantry's listener", 10_000);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);

    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await swarmServicesOf(service.id)).length === 0 ? true : undefined), "its Swarm service removed", 20_000);
  }, 120_000);
});
