import { randomBytes } from "node:crypto";
import http from "node:http";
import { describe, expect, it } from "vitest";
import type { ApiClient } from "./testing/gantry";
import { fixtureTemplate, tempDir, TEST_TOKEN, testPortRange } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { get } from "./testing/http";
import { startLoad } from "./testing/load";
import { dataPlaneProcessesOf, environOf, isAlive, pidOf } from "./testing/processes";
import { waitFor } from "./testing/wait";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fresh = new http.Agent({ keepAlive: false });

/** The service's instances once `count` of them are ready and in its endpoints. */
const ready = (api: ApiClient, serviceId: string, count: number) =>
  waitFor(async () => {
    const list = await api.instances.list.query({ serviceId });
    const endpoints = await api.services.endpoints.query({ id: serviceId });
    return list.length === count && endpoints.length === count ? list : undefined;
  }, `${count} ready`, 20_000);

describe("traffic while Gantry crashes, restarts and stops", () => {
  const gantries = useGantryProcesses();
  const port = testPortRange().from + 400;

  it("starts the data plane with only the environment it needs, and stops it on SIGTERM", async () => {
    const dataDir = tempDir("dataplane-env");
    const secrets = {
      DATABASE_URL: `pglite:${dataDir}/db`,
      GANTRY_SECRET_KEY: randomBytes(32).toString("hex"),
      GANTRY_ADMIN_PASSWORD: "correct horse battery staple",
      GANTRY_OIDC_CLIENT_SECRET: "oidc-client-secret-value",
    };
    const gantry = await gantries.start(dataDir, port, secrets);
    const dataPlane = await waitFor(() => {
      const pids = dataPlaneProcessesOf(gantry.child.pid!);
      return pids.length > 0 ? pids : undefined; // proxy workers, where there are any, inherit its environment
    }, "the data plane processes");
    const seen = dataPlane.map((pid) => environOf(pid));
    const secretValues = [...Object.values(secrets), TEST_TOKEN];
    for (const environment of seen) {
      expect(Object.keys(environment).filter((name) => /DATABASE|SECRET|PASSWORD|TOKEN|OIDC/.test(name))).toEqual([]);
      expect(Object.values(environment).filter((value) => secretValues.some((secret) => value.includes(secret)))).toEqual([]);
    }

    gantry.child.kill("SIGTERM");
    await gantry.exited;
    for (const pid of dataPlane) expect(isAlive(pid)).toBe(false);
  }, 90_000);

  it("starts the data plane again when its process is killed (kill -9): the service's listener serves again, through a new one", async () => {
    const dataDir = tempDir("dataplane-killed");
    const gantry = await gantries.start(dataDir, port + 4);
    const service = await gantry.api.services.create.mutate({ name: "steady", replicas: 1, template: fixtureTemplate() });
    const [instance] = await ready(gantry.api, service.id, 1);
    const url = `http://127.0.0.1:${service.listenPort}/`;
    await waitFor(async () => ((await get(url, fresh)).status === 200 ? true : undefined), "the listener");
    const killed = dataPlaneProcessesOf(gantry.child.pid!);
    for (const pid of killed) process.kill(pid, "SIGKILL");
    await waitFor(() => (killed.some(isAlive) ? undefined : true), "the data plane to die");

    const answer = await waitFor(async () => {
      const res = await get(url, fresh);
      return res.status === 200 ? res : undefined;
    }, "the listener to serve again", 15_000);
    expect(JSON.parse(answer.body).pid).toBe(pidOf(instance!));
    const restarted = dataPlaneProcessesOf(gantry.child.pid!);
    expect(restarted.length).toBeGreaterThan(0);
    expect(restarted.filter((pid) => killed.includes(pid))).toEqual([]);
    gantry.child.kill("SIGTERM");
    await gantry.exited;
  }, 60_000);

  it("serves every request through kill -9 of Gantry; the next Gantry takes the data plane over, and SIGTERM drains and stops it", async () => {
    const dataDir = tempDir("dataplane-crash");
    const first = await gantries.start(dataDir, port + 1);
    const service = await first.api.services.create.mutate({ name: "steady", replicas: 2, template: fixtureTemplate() });
    const instances = await ready(first.api, service.id, 2);
    const url = `http://127.0.0.1:${service.listenPort}/`;
    await waitFor(async () => ((await get(url, fresh)).status === 200 ? true : undefined), "the listener");
    const dataPlane = dataPlaneProcessesOf(first.child.pid!);
    await sleep(300); // let the state writer persist the instances' pids

    const load = startLoad(url);
    await sleep(500);
    first.child.kill("SIGKILL");
    await first.exited;
    await sleep(2000); // no Gantry at all for a while
    const second = await gantries.start(dataDir, port + 1);
    await sleep(1000);
    const report = await load.stop();

    expect({ refused: report.refused, failed: report.failures.length, firstFailures: report.failures.slice(0, 5) }).toEqual({ refused: 0, failed: 0, firstFailures: [] });
    expect(report.ok).toBeGreaterThan(200);
    // The same instances served throughout, through the same data plane processes.
    expect([...report.servedBy.keys()].sort()).toEqual(instances.map((i) => pidOf(i)).sort());
    expect(dataPlane.filter(isAlive)).toEqual(dataPlane);

    // The new Gantry controls the data plane: an instance it starts gets traffic.
    await second.api.services.scale.mutate({ id: service.id, replicas: 3 });
    const three = await ready(second.api, service.id, 3);
    const added = three.find((i) => !instances.some((old) => old.id === i.id))!;
    await waitFor(async () => {
      const res = await get(url, fresh);
      return res.status === 200 && JSON.parse(res.body).pid === pidOf(added) ? true : undefined;
    }, "traffic to the new instance");

    // A graceful stop finishes the request in flight, then stops the data plane.
    const slow = get(`${url}slow?ms=1500`, fresh);
    await sleep(200);
    second.child.kill("SIGTERM");
    expect((await slow).status).toBe(200);
    await second.exited;
    expect((await get(url, fresh)).body).toContain("ECONNREFUSED");
    await waitFor(() => (dataPlane.some(isAlive) ? undefined : true), "the data plane to exit", 5000);
  }, 120_000);

  it("keeps serving when the next Gantry fails to boot (its database unreachable), and a later one takes the data plane over", async () => {
    const dataDir = tempDir("dataplane-failed-boot");
    const first = await gantries.start(dataDir, port + 3);
    const service = await first.api.services.create.mutate({ name: "survivor", replicas: 2, template: fixtureTemplate() });
    const instances = await ready(first.api, service.id, 2);
    const url = `http://127.0.0.1:${service.listenPort}/`;
    await waitFor(async () => ((await get(url, fresh)).status === 200 ? true : undefined), "the listener");
    const dataPlane = dataPlaneProcessesOf(first.child.pid!);
    await sleep(300); // let the state writer persist the instances' pids
    first.child.kill("SIGKILL");
    await first.exited;

    const load = startLoad(url);
    // It reaches the running data plane before it tries the database, which refuses it.
    const failing = gantries.run(dataDir, port + 3, { DATABASE_URL: "postgres://postgres@127.0.0.1:1/gantry" });
    await failing.exited;
    expect(failing.child.exitCode).toBe(1);
    await sleep(500);
    const report = await load.stop();
    expect({ refused: report.refused, failed: report.failures.length, firstFailures: report.failures.slice(0, 5) }).toEqual({ refused: 0, failed: 0, firstFailures: [] });
    expect(dataPlane.filter(isAlive)).toEqual(dataPlane);

    const third = await gantries.start(dataDir, port + 3);
    await ready(third.api, service.id, 2);
    expect([...report.servedBy.keys()].sort()).toEqual(instances.map((i) => pidOf(i)).sort());
    expect(dataPlane.filter(isAlive)).toEqual(dataPlane); // taken over, not replaced
    expect((await get(url, fresh)).status).toBe(200);
    // Its listener's port is the first of the range every test's Gantry picks from: free it.
    third.child.kill("SIGTERM");
    await third.exited;
    await waitFor(() => (dataPlane.some(isAlive) ? undefined : true), "the data plane to exit", 15_000);
  }, 120_000);

  it("times an injected fault in the data plane: it ends on time while Gantry is down, and a restarted Gantry keeps none", async () => {
    const dataDir = tempDir("dataplane-chaos");
    const first = await gantries.start(dataDir, port + 2);
    const service = await first.api.services.create.mutate({ name: "hurt", replicas: 1, template: fixtureTemplate() });
    await ready(first.api, service.id, 1);
    const url = `http://127.0.0.1:${service.listenPort}/`;
    const status = async () => (await get(url, fresh)).status;
    const everyError = (durationSeconds: number) =>
      first.api.chaos.inject.mutate({ target: { kind: "service", serviceId: service.id }, fault: { kind: "error", status: 503, percent: 100 }, durationSeconds });

    // A 6 s fault (long enough to be seen on a loaded machine), then Gantry is killed: the data plane
    // still applies it, and ends it on time by itself.
    await everyError(6);
    await waitFor(async () => ((await status()) === 503 ? true : undefined), "the fault in force");
    first.child.kill("SIGKILL");
    await first.exited;
    expect(await status()).toBe(503);
    await waitFor(async () => ((await status()) === 200 ? true : undefined), "the fault to end with no Gantry", 10_000);

    // A long fault does not survive a restart of Gantry: the next one has none, and clears it from the data plane it takes over.
    const second = await gantries.start(dataDir, port + 2);
    await second.api.chaos.inject.mutate({ target: { kind: "service", serviceId: service.id }, fault: { kind: "error", status: 503, percent: 100 }, durationSeconds: 600 });
    await waitFor(async () => ((await status()) === 503 ? true : undefined), "the long fault in force");
    second.child.kill("SIGKILL");
    await second.exited;
    expect(await status()).toBe(503); // the data plane serves on, fault and all
    const third = await gantries.start(dataDir, port + 2);
    expect(await third.api.chaos.list.query()).toEqual([]);
    await waitFor(async () => ((await status()) === 200 ? true : undefined), "the restarted Gantry's configuration to clear it", 5000);
  }, 120_000);
});
