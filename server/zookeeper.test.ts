import zookeeper from "node-zookeeper-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogEntry } from "./contracts/catalog";
import { curatorInstance, isZnodeName, type CuratorServiceInstance } from "./engine/registry/zookeeper-mirror";
import { ZooKeeperSession } from "./engine/registry/zookeeper-session";
import { fixtureTemplate, tempDir, testListenerRange, testPortRange, toggleableService, useTestGantry } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { pidOf } from "./testing/processes";
import { waitFor } from "./testing/wait";
import { zookeeperMissing, zookeeperServer, type ZooKeeperServer } from "./testing/zookeeper-server";

const missing = zookeeperMissing();
if (missing && process.env.CI === "true") throw new Error(`the ZooKeeper mirror tests need ZooKeeper under CI: ${missing}`);
if (missing) console.warn(`skipping the ZooKeeper mirror tests: ${missing}`);

describe("the znode of an endpoint", () => {
  const entry: CatalogEntry = {
    id: "inst-1",
    serviceId: "svc-1",
    serviceName: "payments",
    address: "127.0.0.1",
    port: 20001,
    tags: ["v2"],
    meta: { gantry_instance: "inst-1", gantry_revision: "3" },
    external: false,
    checks: [],
    createIndex: 1,
    modifyIndex: 1,
  };

  it("is a Curator ServiceInstance as JsonInstanceSerializer writes it, fields in its order", () => {
    expect(JSON.stringify(curatorInstance(entry, 1_700_000_000_000))).toBe(
      '{"name":"payments","id":"inst-1","address":"127.0.0.1","port":20001,"sslPort":null,' +
        '"payload":{"@class":"java.util.LinkedHashMap","serviceId":"svc-1","tags":["v2"],"meta":{"gantry_instance":"inst-1","gantry_revision":"3"},"revision":3,"external":false},' +
        '"registrationTimeUTC":1700000000000,"serviceType":"DYNAMIC","uriSpec":null}',
    );
  });

  it("has no revision for an external registration", () => {
    expect(curatorInstance({ ...entry, external: true, meta: { version: "1" } }, 0).payload.revision).toBeNull();
  });

  it.each([
    ["inst-1", true],
    ["web:8080", true],
    [".", false],
    ["..", false],
    ["a/b", false],
    ["tab\there", false],
    ["emoji-😀", false],
  ])("accepts %j as a znode name: %s", (name, valid) => {
    expect(isZnodeName(name)).toBe(valid);
  });
});

/** Reads znodes through a session of its own, opened again after ZooKeeper went away. */
function reader(zk: ZooKeeperServer) {
  let session: ZooKeeperSession | undefined;
  const withSession = async <T>(read: (s: ZooKeeperSession) => Promise<T>): Promise<T> => {
    session ??= await ZooKeeperSession.open(zk.connect, 10_000);
    try {
      return await read(session);
    } catch (err) {
      void session.close();
      session = undefined;
      throw err;
    }
  };
  return {
    /** The znode's instance and whether it is ephemeral; undefined when it doesn't exist. */
    instance: (path: string) =>
      withSession(async (s) => {
        if (!(await s.exists(path))) return undefined;
        const { data, stat } = await s.getData(path);
        return { ...(JSON.parse(data.toString()) as CuratorServiceInstance), owner: stat.ephemeralOwner.toString("hex") };
      }),
    exists: (path: string) => withSession((s) => s.exists(path)),
    children: (path: string) => withSession(async (s) => ((await s.exists(path)) ? s.getChildren(path) : [])),
    close: async () => session?.close(),
  };
}

/** `what` within `ms`: the time it took. */
async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  await waitFor(async () => ((await probe()) ? true : undefined), what, ms, 20);
  return Date.now() - started;
}

describe.runIf(!missing)("ZooKeeper mirror", () => {
  const zk = zookeeperServer();
  const read = reader(zk);
  beforeAll(() => zk.start(), 40_000);
  afterAll(async () => {
    await read.close();
    await zk.destroy();
  });
  const gantries = useGantryProcesses();

  describe("with a Gantry in this process", () => {
    const gantry = useTestGantry(() => ({ zookeeper: { connect: zk.connect, sessionTimeoutSeconds: 2 } }));

    it("keeps a ready instance's ephemeral znode, removes it within 1 s of unready, writes it back within 1 s of ready", async () => {
      const { service, instance } = await toggleableService(gantry.api, "zk-mirrored");
      const path = `/gantry/services/zk-mirrored/${instance.id}`;
      const written = await waitFor(() => read.instance(path), "the znode to appear");
      expect(written).toMatchObject({ name: "zk-mirrored", id: instance.id, address: "127.0.0.1", port: instance.port, sslPort: null, serviceType: "DYNAMIC", uriSpec: null });
      expect(written.payload).toMatchObject({ serviceId: service.id, revision: 1, external: false });
      expect(written.owner).not.toBe("0000000000000000"); // ephemeral
      expect(await waitFor(async () => (await gantry.api.integrations.list.query()).find((i) => i.kind === "zookeeper" && i.detail === "1 znode"), "the status")).toMatchObject({
        target: zk.connect,
        state: "connected",
      });

      await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
      await within(1000, "the znode to go within 1 s of unready", async () => !(await read.exists(path)));
      await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
      await within(1000, "the znode to come back within 1 s of ready", async () => Boolean(await read.exists(path)));
    });

    it("replaces a znode another session left at an endpoint's path", async () => {
      const { instance } = await toggleableService(gantry.api, "zk-replaced");
      const path = `/gantry/services/zk-replaced/${instance.id}`;
      const mine = await waitFor(() => read.instance(path), "the znode");
      await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
      await within(1000, "the znode to go", async () => !(await read.exists(path)));

      const stale = await ZooKeeperSession.open(zk.connect, 30_000);
      try {
        await stale.create(path, Buffer.from('{"stale":true}'), zookeeper.CreateMode.EPHEMERAL);
        await fetch(`http://127.0.0.1:${instance.port}/toggle-ready`);
        const replaced = await waitFor(async () => {
          const found = await read.instance(path);
          return found?.name ? found : undefined;
        }, "Gantry's znode in place of the stale one");
        expect(replaced.owner).toBe(mine.owner);
      } finally {
        await stale.close();
      }
    });

    it("has everything back after ZooKeeper restarts, including what changed while it was down", async () => {
      const { instance } = await toggleableService(gantry.api, "zk-restarted");
      const path = `/gantry/services/zk-restarted/${instance.id}`;
      await waitFor(() => read.instance(path), "the znode");

      await zk.stop();
      await waitFor(async () => ((await gantry.api.integrations.list.query()).find((i) => i.kind === "zookeeper")?.state === "failing" ? true : undefined), "the mirror to report failing");
      const { service: late, instance: lateInstance } = await toggleableService(gantry.api, "zk-late"); // while ZooKeeper is away
      await new Promise((resolve) => setTimeout(resolve, 2500)); // longer than the session timeout
      await zk.start();

      await waitFor(() => read.instance(path), "the znode after ZooKeeper came back", 15_000);
      await waitFor(() => read.instance(`/gantry/services/zk-late/${lateInstance.id}`), "the endpoint that got ready while ZooKeeper was away", 15_000);
      // Znodes of a session given up during the outage expire now; what's there must be the live session's.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const [kept, lateZnode] = [await read.instance(path), await read.instance(`/gantry/services/zk-late/${lateInstance.id}`)];
      expect(kept?.owner).toBeDefined();
      expect(kept?.owner).toBe(lateZnode?.owner);
      expect((await gantry.api.integrations.list.query()).find((i) => i.kind === "zookeeper")).toMatchObject({ state: "connected", lastError: { message: expect.any(String) } });

      await gantry.api.services.delete.mutate({ id: late.id });
      await within(5000, "the service's znodes to go with it", async () => !(await read.exists("/gantry/services/zk-late")));
    }, 60_000);
  });

  it("lets the znodes of a Gantry that was killed vanish within the session timeout", async () => {
    const port = testPortRange().from + 460;
    const gantry = await gantries.start(tempDir("zookeeper-gantry"), port, {
      GANTRY_PORT_RANGE: `${testPortRange().from + 700}-${testPortRange().to}`,
      GANTRY_LISTENER_PORT_RANGE: `${testListenerRange().from + 160}-${testListenerRange().to}`,
      GANTRY_ZOOKEEPER_CONNECT: zk.connect,
      GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS: "2",
    });
    let orphanPid: number | null = null;
    try {
      const service = await gantry.api.services.create.mutate({ name: "zk-orphaned", template: fixtureTemplate() });
      await waitFor(async () => ((await read.children("/gantry/services/zk-orphaned")).length === 1 ? true : undefined), "the znode", 20_000);
      orphanPid = pidOf((await gantry.api.instances.list.query({ serviceId: service.id }))[0]!);
      gantry.child.kill("SIGKILL");
      // ZooKeeper expires a session on its tick (500 ms here) after the timeout has passed.
      const took = await within(2000 + 1500, "the session to expire and its znodes with it", async () => (await read.children("/gantry/services/zk-orphaned")).length === 0);
      expect(took).toBeGreaterThan(1000); // it went by expiry, not by a clean close
    } finally {
      gantry.child.kill("SIGKILL");
      // Its instance outlived it by design (a restarted Gantry would adopt it); nobody will here.
      if (orphanPid) process.kill(orphanPid, "SIGKILL");
    }
  }, 90_000);

  it("takes its znodes away at once when it stops cleanly, long before the session timeout", async () => {
    const port = testPortRange().from + 461;
    const gantry = await gantries.start(tempDir("zookeeper-gantry"), port, {
      GANTRY_PORT_RANGE: `${testPortRange().from + 700}-${testPortRange().to}`,
      GANTRY_LISTENER_PORT_RANGE: `${testListenerRange().from + 160}-${testListenerRange().to}`,
      GANTRY_ZOOKEEPER_CONNECT: zk.connect,
      GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS: "20",
    });
    const service = await gantry.api.services.create.mutate({ name: "zk-stopped", template: fixtureTemplate() });
    await waitFor(async () => ((await read.children("/gantry/services/zk-stopped")).length === 1 ? true : undefined), "the znode", 20_000);
    const pid = pidOf((await gantry.api.instances.list.query({ serviceId: service.id }))[0]!);
    gantry.child.kill("SIGTERM");
    await gantry.exited;
    await within(1000, "the znodes to go with the closed session", async () => (await read.children("/gantry/services/zk-stopped")).length === 0);
    if (pid) {
      try {
        process.kill(pid, "SIGKILL"); // in case its instance outlived it
      } catch {
        // already gone
      }
    }
  }, 90_000);
});
