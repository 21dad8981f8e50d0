import { describe, expect, it } from "vitest";
import type { InstanceTemplateInput } from "./contracts/service";
import { startLoad } from "./testing/load";
import { useTestGantry, type ApiClient } from "./testing/gantry";
import { testSwarm } from "./testing/swarm";
import { waitFor } from "./testing/wait";

// Gantry running services on a real single-node Docker Swarm (scripts/swarm-test-daemon.sh).
const swarm = await testSwarm();

/** busybox httpd on the task's PORT, answering {"pid": PORT} (so the load report tells tasks apart). */
const httpd = (overrides: Partial<InstanceTemplateInput> = {}): InstanceTemplateInput => ({
  runtime: "swarm",
  image: swarm?.image ?? "",
  command: 'echo "serving $GANTRY_INSTANCE on $PORT"; mkdir -p /www && echo "{\\"pid\\":$PORT}" > /www/index.html && exec httpd -f -p $PORT -h /www',
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
const swarmServicesOf = (serviceId: string) => swarm!.docker.listServices({ filters: { label: [`gantry.service=${serviceId}`] } });

describe.skipIf(!swarm)("services on Docker Swarm", () => {
  const server = useTestGantry(() => ({ swarm: swarm!.settings }));

  it("a service is a Swarm service: scaled 1 → 3 → 1, its tasks instances with node and slot, reached through its listener, with their logs", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "web", replicas: 1, template: httpd(), strategy });
    const [first] = await ready(api, service.id, 1);
    const [swarmService] = await swarmServicesOf(service.id);
    expect(swarmService?.Spec?.Mode?.Replicated?.Replicas).toBe(1);
    expect(first!.runtime).toMatchObject({ kind: "swarm", slot: 1, state: "running", desiredState: "running", error: null });

    await api.services.scale.mutate({ id: service.id, replicas: 3 });
    const three = await ready(api, service.id, 3);
    expect(three.map((i) => (i.runtime?.kind === "swarm" ? i.runtime.slot : 0)).sort()).toEqual([1, 2, 3]);
    expect(new Set(three.map((i) => i.port)).size).toBe(3);
    const load = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 0, fresh: 3, pauseMs: 2 });
    await waitFor(() => (load.report.servedBy.size === 3 ? true : undefined), "all three tasks answered", 10_000);
    expect((await load.stop()).failures).toEqual([]);

    // Tasks on the manager's own node are sampled through its daemon; the Nodes page sums them per node.
    await waitFor(async () => ((await instancesOf(api, service.id)).every((i) => i.memoryBytes !== null) ? true : undefined), "usage of every task", 10_000);
    const nodes = await api.nodes.list.query();
    expect(nodes.connected && nodes.nodes[0]).toMatchObject({ role: "manager", state: "ready", availability: "active", usedMemoryBytes: expect.any(Number), instances: expect.arrayContaining(three.map((i) => expect.objectContaining({ id: i.id }))) });

    const lines = await waitFor(async () => ((l) => (l.length > 0 ? l : undefined))(await api.logs.search.query({ instanceId: first!.id, tail: 5 })), "the first task's log");
    expect(lines.map((l) => l.text)).toEqual([`serving ${first!.id} on ${first!.port}`]);

    await api.services.scale.mutate({ id: service.id, replicas: 1 });
    await ready(api, service.id, 1);
    expect((await swarmServicesOf(service.id))[0]?.Spec?.Mode?.Replicated?.Replicas).toBe(1);
    await api.services.delete.mutate({ id: service.id });
  }, 90_000);

  it("rolls an update through Swarm one task at a time with no failed request through the listener", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "rolling", replicas: 2, template: httpd(), strategy });
    await ready(api, service.id, 2, 1);
    const load = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 2, fresh: 2 });
    await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { VERSION: "2" } } } });
    await ready(api, service.id, 2, 2);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);
    expect(report.ok).toBeGreaterThan(50);
    const [rollout] = await api.rollouts.list.query({ serviceId: service.id });
    await waitFor(async () => ((await api.rollouts.list.query({ serviceId: service.id }))[0]?.status === "succeeded" ? true : undefined), "the rollout succeeded");
    expect(rollout?.toRevision).toBe(2);
    const [swarmService] = await swarmServicesOf(service.id);
    expect(swarmService?.Spec?.UpdateConfig).toMatchObject({ Parallelism: 1, Order: "stop-first", FailureAction: "pause" });
    await api.services.delete.mutate({ id: service.id });
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
