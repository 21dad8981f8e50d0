import { afterAll, describe, expect, it } from "vitest";
import type { Instance } from "./contracts/instance";
import { fixtureTemplate, useTestGantry, type ApiClient } from "./testing/gantry";
import { startLoad } from "./testing/load";
import { twoNodeSwarm } from "./testing/swarm";
import { waitFor } from "./testing/wait";

// Gantry on a two-node swarm the test makes: a worker dockerd in a network namespace of its own.
const swarm = await twoNodeSwarm();
afterAll(() => swarm?.down());

const nodeOf = (instance: Instance) => (instance.runtime?.kind === "swarm" ? instance.runtime.node : "");
const readyOn = (api: ApiClient, serviceId: string, count: number, where: (nodes: string[]) => boolean) =>
  waitFor(
    async () => ((list) => (list.length === count && list.every((i) => i.ready) && where(list.map(nodeOf)) ? list : undefined))(await api.instances.list.query({ serviceId })),
    `${count} ready instances placed as wanted`,
    60_000,
    100,
  );

describe.skipIf(!swarm)("services on a two-node swarm", () => {
  // Links of swarm services point at the manager's side of the veth pair, which the worker reaches.
  const server = useTestGantry(() => ({ swarm: { ...swarm!.settings, advertise: swarm!.managerAddress }, host: "0.0.0.0" }));

  it("tasks land on both nodes and get traffic; draining the worker moves its tasks with no failed request", async () => {
    const { api } = server;
    const nodes = await api.nodes.list.query();
    if (!nodes.connected) throw new Error(nodes.reason);
    expect(nodes.nodes.map((n) => n.role).sort()).toEqual(["manager", "worker"]);
    const worker = nodes.nodes.find((n) => n.hostname === swarm!.workerHostname)!;
    expect(worker).toMatchObject({ state: "ready", availability: "active", address: expect.stringMatching(/^10\.77\.\d+\.2$/) });

    const service = await api.services.create.mutate({
      name: "spread",
      replicas: 4,
      template: {
        runtime: "swarm",
        image: swarm!.image,
        command: 'mkdir -p /www && echo "{\\"pid\\":$PORT}" > /www/index.html && exec httpd -f -p $PORT -h /www',
        shell: true,
        gracePeriodSeconds: 1,
      },
    });
    // Swarm spreads the four over both nodes; each is reached at its node's address.
    await readyOn(api, service.id, 4, (placed) => placed.filter((n) => n === swarm!.workerHostname).length === 2);
    const load = startLoad(`http://127.0.0.1:${service.listenPort}/`, { keepAlive: 2, fresh: 2 });
    await waitFor(() => (load.report.servedBy.size === 4 ? true : undefined), "all four tasks answered through the listener", 10_000);

    // The worker's tasks aren't sampled (its daemon isn't Gantry's to ask) and say so, never 0 …
    const onWorker = async () => (await api.instances.list.query({ serviceId: service.id })).filter((i) => nodeOf(i) === swarm!.workerHostname);
    expect((await onWorker()).map((i) => [i.runtime?.kind === "swarm" && i.runtime.sampled, i.memoryBytes])).toEqual([[false, null], [false, null]]);
    const listed = await api.nodes.list.query();
    expect(listed.connected && listed.nodes.find((n) => n.id === worker.id)).toMatchObject({ sampled: false, usedMemoryBytes: null, usedCpuPercent: null });
    // … until the node is labelled with its daemon's address.
    const node = swarm!.docker.getNode(worker.id);
    const spec = (await node.inspect()) as { Spec: Record<string, unknown>; Version: { Index: number } };
    await node.update({ ...spec.Spec, Labels: { "gantry.docker-host": swarm!.workerHost }, version: spec.Version.Index });
    await waitFor(async () => ((await onWorker()).every((i) => i.runtime?.kind === "swarm" && i.runtime.sampled && i.memoryBytes !== null) ? true : undefined), "the worker's tasks sampled", 20_000);
    expect((await api.nodes.list.query()).connected && (await api.nodes.list.query())).toMatchObject({ nodes: expect.arrayContaining([expect.objectContaining({ id: worker.id, instances: expect.arrayContaining([expect.objectContaining({ serviceName: "spread" })]) })]) });

    await api.nodes.setAvailability.mutate({ id: worker.id, availability: "drain" });
    await readyOn(api, service.id, 4, (placed) => placed.every((n) => n !== swarm!.workerHostname));
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);

    await api.nodes.setAvailability.mutate({ id: worker.id, availability: "active" });
    // Each is an event of its own, about the node rather than a service.
    const events = await api.events.list.query({ kind: "node" });
    expect(events.map((e) => [e.kind, e.serviceId, e.message.includes(swarm!.workerHostname)])).toEqual([
      ["node.activated", null, true],
      ["node.drained", null, true],
    ]);
    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await swarm!.docker.listServices()).length === 0 ? true : undefined), "the Swarm service removed", 20_000);
  }, 120_000);

  it("a task on the worker reaches its dependency through the edge's listener at GANTRY_SWARM_ADVERTISE", async () => {
    const { api } = server;
    // A process on Gantry's host, listening on its loopback: only Gantry's listener makes it reachable from the worker.
    const backend = await api.services.create.mutate({ name: "backend", replicas: 1, template: fixtureTemplate() });
    // The caller, on the worker, copies what its BACKEND_URL answers into a page of its own.
    // Separate commands: in `a && (loop) & b` the shell sends `a` to the background with the loop, and `b` may run before it.
    const fetcher = '(while true; do wget -qO /www/b.tmp "$BACKEND_URL/" && mv /www/b.tmp /www/backend; sleep 0.2; done) &';
    const command = `mkdir -p /www; echo "{\\"pid\\":$PORT}" > /www/index.html; ${fetcher} exec httpd -f -p $PORT -h /www`;
    const template = { runtime: "swarm" as const, image: swarm!.image, command, shell: true, gracePeriodSeconds: 1, placement: { constraints: ["node.role==worker"], spread: [] } };
    const front = await api.services.create.mutate({ name: "front", replicas: 0, template });
    await api.dependencies.create.mutate({ fromId: front.id, toId: backend.id });
    await api.services.scale.mutate({ id: front.id, replicas: 1 });
    const [task] = await readyOn(api, front.id, 1, (placed) => placed[0] === swarm!.workerHostname);
    expect(task!.revision).toBe(2);
    const nodes = await api.nodes.list.query();
    const worker = nodes.connected ? nodes.nodes.find((n) => n.hostname === swarm!.workerHostname)! : undefined;
    const [served] = await readyOn(api, backend.id, 1, () => true);
    const fromWorker = await waitFor(async () => ((res) => (res?.ok ? res.text() : undefined))(await fetch(`http://${worker!.address}:${task!.port}/backend`).catch(() => undefined)), "the worker's task reached its backend", 20_000);
    expect(JSON.parse(fromWorker)).toMatchObject({ instance: served!.id, port: served!.port });
    for (const service of [front, backend]) await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await swarm!.docker.listServices()).length === 0 ? true : undefined), "the Swarm services removed", 20_000);
  }, 120_000);
});
