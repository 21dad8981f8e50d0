import { afterAll, describe, expect, it } from "vitest";
import type { Instance } from "./contracts/instance";
import { useTestGantry, type ApiClient } from "./testing/gantry";
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
  const server = useTestGantry(() => ({ swarm: swarm!.settings }));

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
    expect((await api.nodes.list.query()).connected && (await api.nodes.list.query())).toMatchObject({ nodes: expect.arrayContaining([expect.objectContaining({ id: worker.id, instances: expect.arrayContaining([expect.objectContaining({ serviceName: "spread" })]) })]) });

    await api.nodes.setAvailability.mutate({ id: worker.id, availability: "drain" });
    await readyOn(api, service.id, 4, (placed) => placed.every((n) => n !== swarm!.workerHostname));
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.refused).toBe(0);

    await api.nodes.setAvailability.mutate({ id: worker.id, availability: "active" });
    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await swarm!.docker.listServices()).length === 0 ? true : undefined), "the Swarm service removed", 20_000);
  }, 120_000);
});
