import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./engine/proxy/testing/proxy-harness";
import { fixtureTemplate, tempDir, testListenerRange, testPortRange, toggleableService, useTestGantry } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { waitFor } from "./testing/wait";
import { pidOf } from "./testing/processes";

const hasEtcd = spawnSync("which", ["etcd"]).status === 0;
if (!hasEtcd) console.warn("skipping the etcd mirror tests: no etcd binary (apt-get install etcd-server)");

/** A real etcd on free loopback ports, restartable on the same data dir. */
function etcdServer() {
  const dataDir = tempDir("etcd");
  let child: ChildProcess | undefined;
  const ports = { client: 0, peer: 0 };
  return {
    get url() {
      return `http://127.0.0.1:${ports.client}`;
    },
    async start() {
      if (!ports.client) [ports.client, ports.peer] = [await freePort(), await freePort()];
      child = spawn(
        "etcd",
        ["--data-dir", dataDir, "--listen-client-urls", this.url, "--advertise-client-urls", this.url, "--listen-peer-urls", `http://127.0.0.1:${ports.peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${ports.peer}`, "--initial-cluster", `default=http://127.0.0.1:${ports.peer}`],
        { stdio: "ignore" },
      );
      await waitFor(async () => ((await fetch(`${this.url}/health`).catch(() => undefined))?.ok ? true : undefined), "etcd to start");
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
    /** Keys under the prefix with their JSON values. */
    async keys(prefix = "/gantry/services/"): Promise<Record<string, { port: number; service: string }>> {
      const end = Buffer.from(prefix);
      end[end.length - 1]!++;
      const res = await fetch(`${this.url}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from(prefix).toString("base64"), range_end: end.toString("base64") }) });
      const { kvs = [] } = (await res.json()) as { kvs?: Array<{ key: string; value: string }> };
      return Object.fromEntries(kvs.map((kv) => [Buffer.from(kv.key, "base64").toString(), JSON.parse(Buffer.from(kv.value, "base64").toString())]));
    },
  };
}

describe.runIf(hasEtcd)("etcd mirror", () => {
  const etcd = etcdServer();
  beforeAll(() => etcd.start());
  afterAll(() => etcd.stop());
  const gantries = useGantryProcesses();

  describe("with a Gantry in this process", () => {
    const gantry = useTestGantry(() => ({ etcd: { endpoints: [etcd.url], leaseSeconds: 2 } }));

    it("writes ready instances, removes them when they leave rotation, and rewrites everything after etcd comes back", async () => {
      const { service, instance } = await toggleableService(gantry.api, "mirrored");
      const key = `/gantry/services/mirrored/${instance.id}`;
      expect((await waitFor(async () => (await etcd.keys())[key], "the key to appear")).port).toBe(instance.port);

      await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
      await waitFor(async () => ((await etcd.keys())[key] ? undefined : true), "the key to go when unready");
      await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
      await waitFor(async () => (await etcd.keys())[key], "the key to come back");

      // etcd goes away long enough for the lease to lapse, then returns: the mirror writes it all again.
      await etcd.stop();
      await new Promise((r) => setTimeout(r, 3000));
      await etcd.start();
      await waitFor(async () => (await etcd.keys())[key], "the key after etcd returned", 15_000);
      await gantry.api.services.delete.mutate({ id: service.id });
      await waitFor(async () => ((await etcd.keys())[key] ? undefined : true), "the key to go with the service");
    });
  });

  it("lets the keys of a Gantry that died vanish with its lease", async () => {
    const port = testPortRange().from + 450;
    const gantry = await gantries.start(tempDir("etcd-gantry"), port, {
      GANTRY_PORT_RANGE: `${testPortRange().from + 600}-${testPortRange().to}`,
      GANTRY_LISTENER_PORT_RANGE: `${testListenerRange().from + 150}-${testListenerRange().to}`,
      GANTRY_ETCD_ENDPOINTS: etcd.url,
      GANTRY_ETCD_LEASE_SECONDS: "2",
    });
    let orphanPid: number | null = null;
    try {
      const service = await gantry.api.services.create.mutate({ name: "orphaned", template: fixtureTemplate() });
      await waitFor(async () => (Object.keys(await etcd.keys("/gantry/services/orphaned/")).length === 1 ? true : undefined), "the key");
      orphanPid = pidOf((await gantry.api.instances.list.query({ serviceId: service.id }))[0]!);
      gantry.child.kill("SIGKILL");
      const started = Date.now();
      await waitFor(async () => (Object.keys(await etcd.keys("/gantry/services/orphaned/")).length === 0 ? true : undefined), "the lease to expire", 10_000);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      gantry.child.kill("SIGKILL");
      // Its instance outlived it by design (a restarted Gantry would adopt it); nobody will here.
      if (orphanPid) process.kill(orphanPid, "SIGKILL");
    }
  }, 90_000);
});
