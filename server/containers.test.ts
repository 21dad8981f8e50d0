import http from "node:http";
import { describe, expect, it } from "vitest";
import type { Instance } from "./contracts/instance";
import type { InstanceTemplateInput } from "./contracts/service";
import { testDocker } from "./testing/docker";
import { tempDir, testPortRange, useTestGantry, type ApiClient } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { get as getWith } from "./testing/http";
import { waitFor } from "./testing/wait";

// Gantry running services as Docker containers on a real daemon (scripts/docker-test-daemon.sh).
const docker = await testDocker();

/** A container of the test image running busybox's httpd on PORT, answering "ok". */
const httpd = (overrides: Partial<InstanceTemplateInput> = {}): InstanceTemplateInput => ({
  runtime: "docker",
  image: docker?.image ?? "",
  command: "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p $PORT -h /www",
  shell: true,
  gracePeriodSeconds: 3,
  ...overrides,
});

const get = (url: string) => getWith(url, new http.Agent());
const instancesOf = (api: ApiClient, serviceId: string) => api.instances.list.query({ serviceId });
const running = (api: ApiClient, serviceId: string, count: number) =>
  waitFor(async () => ((list) => (list.length === count && list.every((i) => i.phase === "Running" && i.ready) ? list : undefined))(await instancesOf(api, serviceId)), `${count} ready`, 60_000);
const containerId = (instance: Instance) => (instance.runtime?.kind === "docker" ? instance.runtime.containerId : undefined);

/** The containers on the daemon for a service, running or not. */
async function containersOf(serviceId: string) {
  return docker!.docker.listContainers({ all: true, filters: { label: [`gantry.service=${serviceId}`] } });
}

async function eventsOf(api: ApiClient, serviceId: string, kind?: string) {
  return (await api.events.list.query({ serviceId, kind })).map((e) => e.message);
}

describe.skipIf(!docker)("containers as instances", () => {
  const server = useTestGantry();

  it("scales a container service 0 → 3 → 1: each one its own container, reached through the service's listener", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "boxes", replicas: 0, template: httpd() });
    expect(await containersOf(service.id)).toHaveLength(0);

    await api.services.scale.mutate({ id: service.id, replicas: 3 });
    const three = await running(api, service.id, 3);
    expect(new Set(three.map(containerId)).size).toBe(3);
    for (const instance of three) expect(instance.runtime).toMatchObject({ kind: "docker", image: docker!.image, digest: expect.stringMatching(/^sha256:|@sha256:/) });
    expect((await containersOf(service.id)).map((c) => c.Id).sort()).toEqual(three.map(containerId).sort());
    expect(await get(`http://127.0.0.1:${service.listenPort}/`)).toMatchObject({ status: 200, body: "ok\n" });

    await api.services.scale.mutate({ id: service.id, replicas: 1 });
    const [left] = await running(api, service.id, 1);
    await waitFor(async () => ((await containersOf(service.id)).length === 1 ? true : undefined), "the other two containers removed");
    expect((await containersOf(service.id))[0]!.Id).toBe(containerId(left!));
    await api.services.delete.mutate({ id: service.id });
  }, 120_000);

  it("restarts a crashing container with growing backoff, with its exit code in the events", async () => {
    const { api } = server;
    const service = await api.services.create.mutate({ name: "crasher", replicas: 1, template: httpd({ command: "echo starting; exit 3", listens: false }) });
    const crashed = await waitFor(async () => (await instancesOf(api, service.id)).find((i) => i.phase === "CrashLoop" && i.restarts >= 2), "two crashes");
    expect(crashed).toMatchObject({ exitCode: 3, reason: "Error" });
    const events = await eventsOf(api, service.id, "instance.crashloop");
    expect(events.slice(-2).reverse()).toEqual([expect.stringMatching(/exited with code 3; restarting in 1 s$/), expect.stringMatching(/exited with code 3; restarting in 2 s$/)]);
    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await containersOf(service.id)).length === 0 ? true : undefined), "no container left");
  }, 60_000);

  it("a container over its memory limit is killed by the kernel and shows as OOMKilled", async () => {
    const { api } = server;
    // Doubling a string until the cgroup's 16 MiB are gone.
    const hog = "a=aaaaaaaaaaaaaaaa; while true; do a=$a$a; done";
    const service = await api.services.create.mutate({ name: "hog", replicas: 1, template: httpd({ command: hog, listens: false, memoryLimitMb: 16 }) });
    const killed = await waitFor(async () => (await instancesOf(api, service.id)).find((i) => i.reason === "OOMKilled"), "OOMKilled");
    expect(killed.phase).toBe("CrashLoop");
    expect(await eventsOf(api, service.id, "instance.crashloop")).toContainEqual(expect.stringMatching(/was OOMKilled/));
    await api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("stops gracefully: the container's process gets the stop signal and its last words reach the logs", async () => {
    const { api } = server;
    const script = "trap 'echo got TERM; exit 0' TERM; echo waiting; while true; do sleep 0.2; done";
    const service = await api.services.create.mutate({ name: "polite", replicas: 1, template: httpd({ command: script, listens: false }) });
    const [instance] = await running(api, service.id, 1);
    await api.services.scale.mutate({ id: service.id, replicas: 0 });
    await waitFor(async () => ((await instancesOf(api, service.id)).length === 0 ? true : undefined), "stopped");
    const lines = (await api.logs.search.query({ instanceId: instance!.id, tail: 10 })).map((l) => l.text);
    expect(lines).toEqual(["waiting", "got TERM"]);
    expect(await eventsOf(api, service.id, "instance.stopped")).toContainEqual(expect.stringMatching(/stopped \(exited with code 0\)$/));
    expect(await eventsOf(api, service.id, "instance.killed")).toEqual([]); // no SIGKILL was needed
    await api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("runs exec probes inside the container: ready once a file there exists, restarted when another goes", async () => {
    const { api } = server;
    // Both files exist only inside the container: a probe run on Gantry's host could never pass.
    const script = "touch /tmp/alive; sleep 1; touch /tmp/ready; sleep 3; rm /tmp/alive; sleep 600";
    const probe = (file: string) => ({ kind: "exec" as const, command: ["test", "-f", file], periodSeconds: 0.5, failureThreshold: 2 });
    const service = await api.services.create.mutate({
      name: "probed",
      replicas: 1,
      template: httpd({ command: script, listens: false, gracePeriodSeconds: 1, probes: { readiness: probe("/tmp/ready"), liveness: probe("/tmp/alive") } }),
    });
    const [ready] = await running(api, service.id, 1);
    const restarted = await waitFor(async () => (await instancesOf(api, service.id)).find((i) => i.restarts === 1), "restarted by liveness");
    expect(restarted.id).toBe(ready!.id);
    const [unhealthy] = await eventsOf(api, service.id, "instance.unhealthy");
    expect(unhealthy).toMatch(/liveness probe failed: exited 1/);
    await api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("collects a container's stdout and stderr into the instance's logs", async () => {
    const { api } = server;
    const script = "echo to stdout; echo to stderr >&2; sleep 600";
    const service = await api.services.create.mutate({ name: "talker", replicas: 1, template: httpd({ command: script, listens: false, gracePeriodSeconds: 1 }) });
    const [instance] = await running(api, service.id, 1);
    const found = await waitFor(async () => ((lines) => (lines.length === 2 ? lines : undefined))(await api.logs.search.query({ instanceId: instance!.id, tail: 10 })), "two lines");
    // Two streams: which line Docker timestamps first is not something to assert on.
    expect(found.map((l) => [l.stream, l.text]).sort()).toEqual([
      ["stderr", "to stderr"],
      ["stdout", "to stdout"],
    ]);
    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await containersOf(service.id)).length === 0 ? true : undefined), "its container removed");
  }, 60_000);

  it("refuses a container service without an image, and one whose image can't be had says why on its instance", async () => {
    const { api } = server;
    await expect(api.services.create.mutate({ name: "imageless", template: { runtime: "docker", command: "" } })).rejects.toThrow("image is required for a docker service");
    const service = await api.services.create.mutate({ name: "unpullable", replicas: 1, template: httpd({ image: "127.0.0.1:1/nothing/here:latest" }) });
    const failed = await waitFor(async () => (await instancesOf(api, service.id)).find((i) => i.phase === "Failed"), "failed to start");
    expect(failed.message).toMatch(/127\.0\.0\.1:1\/nothing\/here:latest/);
    await api.services.delete.mutate({ id: service.id });
  }, 60_000);
});

describe.skipIf(!docker)("containers when Gantry is killed with SIGKILL", () => {
  const gantries = useGantryProcesses();

  it("adopts the containers it left running — the same ones, still serving — and deleting the service leaves none", async () => {
    const dataDir = tempDir("containers");
    const port = testPortRange().from + 402;
    const first = await gantries.start(dataDir, port);
    const { api } = first;
    const service = await api.services.create.mutate({ name: "survivors", replicas: 2, template: httpd() });
    const before = await running(api, service.id, 2);
    await new Promise((r) => setTimeout(r, 300)); // let the state writer persist them

    first.child.kill("SIGKILL");
    await first.exited;
    expect(await get(`http://127.0.0.1:${before[0]!.port}/`)).toMatchObject({ status: 200 });

    await gantries.start(dataDir, port);
    const after = await running(api, service.id, 2);
    expect(after.map((i) => [i.id, containerId(i)]).sort()).toEqual(before.map((i) => [i.id, containerId(i)]).sort());
    expect(await eventsOf(api, service.id, "instance.adopted")).toHaveLength(2);
    expect(await containersOf(service.id)).toHaveLength(2); // no duplicates started

    await api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await containersOf(service.id)).length === 0 ? true : undefined), "no container left", 30_000);
  }, 120_000);
});
