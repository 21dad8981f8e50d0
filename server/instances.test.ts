import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Instance } from "./contracts/instance";
import { SECRET_PLACEHOLDER } from "./contracts/service";
import { isSameProcess, processStartTime, sessionMembers } from "./lib/proc";
import { fixtureTemplate, tempDir, testPortRange, useTestGantry } from "./testing/gantry";
import { useGantryProcesses } from "./testing/gantry-process";
import { get } from "./testing/http";
import { dataPlaneProcessesOf, isAlive, pidOf } from "./testing/processes";
import { waitFor } from "./testing/wait";


async function answer(port: number): Promise<{ instance: string; pid: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as { instance: string; pid: number };
  } catch {
    return undefined;
  }
}

const isListening = async (port: number) => (await answer(port)) !== undefined;

describe("instances as real processes", () => {
  const dataDir = tempDir("processes");
  const server = useTestGantry({ dataDir });

  const instancesOf = async (serviceId: string) => server.api.instances.list.query({ serviceId });
  const running = async (serviceId: string, count: number) => {
    const list = await instancesOf(serviceId);
    const up = list.filter((i) => i.phase === "Running" && i.ready);
    return list.length === count && up.length === count ? up : undefined;
  };
  const output = (instanceId: string) => {
    try {
      return fs.readFileSync(path.join(dataDir, "logs", instanceId, "output.log"), "utf8");
    } catch {
      return "";
    }
  };

  it("scales 1 → 5 → 2: every instance serves on its own PORT; scale-down stops the newest with SIGTERM", async () => {
    const service = await server.api.services.create.mutate({ name: "scaled", replicas: 1, template: fixtureTemplate() });
    const [first] = await waitFor(() => running(service.id, 1), "1 running");
    await waitFor(() => answer(first!.port!), "the first instance answering");

    await server.api.services.scale.mutate({ id: service.id, replicas: 5 });
    const five = await waitFor(() => running(service.id, 5), "5 running");
    const answers = await Promise.all(five.map((i) => waitFor(() => answer(i.port!), `${i.id} answering`)));
    expect(answers.map((a) => a.instance).sort()).toEqual(five.map((i) => i.id).sort());
    expect(new Set(five.map((i) => i.port)).size).toBe(5);

    await server.api.services.scale.mutate({ id: service.id, replicas: 2 });
    const two = await waitFor(() => running(service.id, 2), "2 running");
    expect(two.map((i) => i.id)).toContain(first!.id);
    const stopped = five.filter((i) => !two.some((t) => t.id === i.id));
    expect(stopped).toHaveLength(3);
    for (const instance of stopped) {
      await waitFor(() => (output(instance.id).includes("got SIGTERM") ? true : undefined), `${instance.id} logged SIGTERM`);
      expect(await isListening(instance.port!)).toBe(false);
      expect(isSameProcess(pidOf(instance)!, processStartTime(pidOf(instance)!) ?? -1n)).toBe(false);
    }
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("restarts a crashing instance with backoff (1 s, then 2 s) and shows CrashLoop meanwhile", async () => {
    const service = await server.api.services.create.mutate({ name: "crashy", template: fixtureTemplate({ FIXTURE_CRASH_AFTER_MS: "150" }) });
    const seen = new Set<string>();
    const crashLoop = await waitFor(async () => {
      const [instance] = await instancesOf(service.id);
      if (instance) seen.add(instance.phase);
      return instance && instance.phase === "CrashLoop" && instance.restarts >= 2 ? instance : undefined;
    }, "two restarts", 15_000, 20);
    expect(seen).toContain("Running");
    expect(crashLoop).toMatchObject({ reason: "Error", exitCode: 1 });
    const events = await server.api.events.list.query({ serviceId: service.id, kind: "instance.crashloop", limit: 50 });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(["instance.crashloop"]));
    const backoffs = events.map((e) => e.message.match(/restarting in ([\d.]+) s/)?.[1]);
    expect(backoffs.reverse().slice(0, 2)).toEqual(["1", "2"]);
    const instanceEvents = await server.api.events.list.query({ serviceId: service.id, kind: "instance" });
    expect(instanceEvents.every((e) => e.kind.startsWith("instance.")) && instanceEvents.length > events.length).toBe(true);
    await expect(server.api.events.list.query({ kind: "Instance!" })).rejects.toThrow("kind is a group");
    expect(output(crashLoop.id)).toMatch(/err .*crashing on purpose/);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("stops gracefully: SIGTERM, waits for the process to finish, SIGKILL only past the grace period", async () => {
    const patient = await server.api.services.create.mutate({ name: "patient", template: fixtureTemplate({ FIXTURE_STOP_DELAY_MS: "700" }) });
    const stubborn = await server.api.services.create.mutate({
      name: "stubborn",
      template: fixtureTemplate({ FIXTURE_IGNORE_SIGTERM: "1" }, { gracePeriodSeconds: 1 }),
    });
    const [p] = await waitFor(() => running(patient.id, 1), "patient running");
    const [s] = await waitFor(() => running(stubborn.id, 1), "stubborn running");
    await waitFor(() => answer(p!.port!), "patient answering");
    await waitFor(() => answer(s!.port!), "stubborn answering");

    const started = Date.now();
    await server.api.instances.stop.mutate({ id: p!.id });
    const stopping = await instancesOf(patient.id);
    expect(stopping.find((i) => i.id === p!.id)?.phase).toBe("Stopping");
    await waitFor(async () => ((await instancesOf(patient.id)).some((i) => i.id === p!.id) ? undefined : true), "patient gone");
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(output(p!.id)).toContain("got SIGTERM");

    await server.api.instances.stop.mutate({ id: s!.id });
    await waitFor(async () => ((await instancesOf(stubborn.id)).some((i) => i.id === s!.id) ? undefined : true), "stubborn gone", 5000);
    const events = await server.api.events.list.query({ serviceId: stubborn.id });
    expect(events.map((e) => e.message)).toContainEqual(`${s!.id} did not exit within 1 s of SIGTERM; sent SIGKILL`);
    // Both services still want one instance each: replacements are up.
    await waitFor(() => running(patient.id, 1), "patient replaced");
    await server.api.services.delete.mutate({ id: patient.id });
    await server.api.services.delete.mutate({ id: stubborn.id });
  });

  it("marks an instance with a missing executable Failed with the spawn error, and retries", async () => {
    const service = await server.api.services.create.mutate({ name: "missing", template: { command: "gantry-no-such-binary" } });
    const failed = await waitFor(async () => (await instancesOf(service.id)).find((i) => i.phase === "Failed"), "Failed");
    expect(failed).toMatchObject({ reason: "SpawnError", message: expect.stringContaining("cannot start gantry-no-such-binary") });
    expect(failed.nextRestartAt).not.toBeNull();
    const events = await server.api.events.list.query({ serviceId: service.id });
    expect(events.some((e) => e.kind === "instance.failed" && e.message.includes("no such file or directory"))).toBe(true);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("starts instances with their secret values while every answer to clients hides them", async () => {
    const service = await server.api.services.create.mutate({ name: "keeper", template: { ...fixtureTemplate(), env: { API_TOKEN: "tok-123" }, secretEnv: ["API_TOKEN"] } });
    const [instance] = await waitFor(() => running(service.id, 1), "running");
    expect(await (await fetch(`http://127.0.0.1:${instance!.port}/env/API_TOKEN`)).text()).toBe("tok-123");
    const seen = JSON.stringify([service, await server.api.services.get.query({ id: service.id }), await server.api.services.list.query(), await server.api.events.list.query({ serviceId: service.id })]);
    expect(seen).not.toContain("tok-123");
    expect(service.template.env.API_TOKEN).toBe(SECRET_PLACEHOLDER);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("restarts an instance over its memory limit with reason OOMKilled", async () => {
    const service = await server.api.services.create.mutate({
      name: "hungry",
      template: fixtureTemplate({ FIXTURE_ALLOCATE_MB: "160" }, { memoryLimitMb: 100 }),
    });
    const killed = await waitFor(
      async () => (await instancesOf(service.id)).find((i) => i.reason === "OOMKilled" && i.restarts >= 1),
      "OOMKilled",
      15_000,
    );
    expect(killed.signal).toBe("SIGKILL");
    const events = await server.api.events.list.query({ serviceId: service.id });
    expect(events.map((e) => e.message)).toContainEqual(expect.stringMatching(/killed: resident memory \d+ MiB exceeds the limit of 100 MiB/));
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("reports CPU and memory of running instances", async () => {
    const service = await server.api.services.create.mutate({ name: "measured", template: fixtureTemplate({ FIXTURE_ALLOCATE_MB: "32" }) });
    const measured = await waitFor(async () => {
      const [instance] = await instancesOf(service.id);
      return instance?.memoryBytes && instance.memoryBytes > 32 << 20 ? instance : undefined;
    }, "a memory sample");
    expect(measured.cpuPercent).not.toBeNull();
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("ends the children an instance leaves behind, those that left its process group too", async () => {
    const service = await server.api.services.create.mutate({ name: "parent", template: { command: leaderWithChildren, shell: true } });
    const [leader] = await waitFor(async () => {
      const list = await instancesOf(service.id);
      return list.length === 1 && list[0]!.phase === "Running" && sessionMembers(pidOf(list[0]!)!).length === 21 ? list : undefined;
    }, "the leader and its 20 children running");
    await server.api.services.delete.mutate({ id: service.id });
    await waitFor(async () => ((await instancesOf(service.id)).length === 0 ? true : undefined), "the instance gone");
    await sessionEnded(pidOf(leader!)!);
  });

  it("removes a deleted service only after its instances have stopped", async () => {
    const service = await server.api.services.create.mutate({ name: "doomed", replicas: 2, template: fixtureTemplate({ FIXTURE_STOP_DELAY_MS: "300" }) });
    const instances = await waitFor(() => running(service.id, 2), "2 running");
    await server.api.services.delete.mutate({ id: service.id });
    expect((await server.api.services.get.query({ id: service.id })).deleting).toBe(true);
    await waitFor(async () => ((await server.api.services.list.query()).some((s) => s.id === service.id) ? undefined : true), "service removed");
    for (const instance of instances) expect(await isListening(instance.port!)).toBe(false);
  });
});

/** Resolves once no process of the session is left (a SIGKILLed one may take a moment to die). */
const sessionEnded = (session: number) =>
  waitFor(
    () => {
      const left = sessionMembers(session);
      if (left.length > 0) throw new Error(`still running: ${left.join(", ")}`);
      return true;
    },
    `no process left in session ${session}`,
    2000,
  );

/**
 * A leader that exits on SIGTERM, with 10 children in its process group that ignore SIGTERM, and 10
 * that moved to process groups of their own (still in its session).
 */
const leaderWithChildren = [
  "trap 'exit 0' TERM",
  "for i in $(seq 10); do (trap '' TERM; exec sleep 600) & done",
  `for i in $(seq 10); do perl -e 'setpgrp(0, 0); exec "sleep", "600"' & done`,
  "wait",
].join("\n");

describe("Gantry killed with SIGKILL", () => {
  const gantries = useGantryProcesses();

  it("adopts the instances it left running instead of starting duplicates", async () => {
    const dataDir = tempDir("adopt");
    const port = testPortRange().from + 400;
    const first = await gantries.start(dataDir, port);
    const { api } = first;
    const service = await api.services.create.mutate({ name: "survivor", replicas: 2, template: fixtureTemplate() });
    const before = await waitFor(async () => {
      const list = await api.instances.list.query({ serviceId: service.id });
      return list.length === 2 && list.every((i) => i.phase === "Running") ? list : undefined;
    }, "2 running");
    const dataPlane = dataPlaneProcessesOf(first.child.pid!);
    await new Promise((r) => setTimeout(r, 300)); // let the state writer persist the pids

    first.child.kill("SIGKILL");
    await first.exited;
    for (const instance of before) expect(await answer(instance.port!)).toMatchObject({ pid: pidOf(instance) });

    const second = await gantries.start(dataDir, port);
    const after: Instance[] = await waitFor(async () => {
      const list = await api.instances.list.query({ serviceId: service.id });
      return list.length === 2 && list.every((i) => i.phase === "Running") ? list : undefined;
    }, "2 running again");
    expect(after.map((i) => [i.id, pidOf(i), i.port]).sort()).toEqual(before.map((i) => [i.id, pidOf(i), i.port]).sort());
    const events = await api.events.list.query({ serviceId: service.id });
    expect(events.filter((e) => e.kind === "instance.adopted")).toHaveLength(2);

    // A graceful stop of Gantry stops its instances and the data plane it took over: no orphans.
    second.child.kill("SIGTERM");
    await second.exited;
    for (const instance of after) expect(await isListening(instance.port!)).toBe(false);
    expect(dataPlane.length).toBeGreaterThan(0);
    await waitFor(() => (dataPlane.some(isAlive) ? undefined : true), "the data plane to exit", 5000);
    expect((await get(`http://127.0.0.1:${service.listenPort}/`, new http.Agent())).body).toContain("ECONNREFUSED");
  }, 90_000);

  it("takes down what adopted instances leave behind: their groups and sessions, also of a leader that died while Gantry was down", async () => {
    const dataDir = tempDir("adopt-tree");
    const port = testPortRange().from + 401;
    const first = await gantries.start(dataDir, port);
    const { api } = first;
    const service = await api.services.create.mutate({ name: "forker", replicas: 2, template: { command: leaderWithChildren, shell: true } });
    const [survivor, casualty] = await waitFor(async () => {
      const list = await api.instances.list.query({ serviceId: service.id });
      return list.length === 2 && list.every((i) => i.phase === "Running" && sessionMembers(pidOf(i)!).length === 21) ? list : undefined;
    }, "2 leaders and their 20 children each running");
    await new Promise((r) => setTimeout(r, 300)); // let the state writer persist the pids

    first.child.kill("SIGKILL");
    await first.exited;
    process.kill(pidOf(casualty!)!, "SIGKILL"); // its children live on, with nobody to stop them
    await waitFor(() => (sessionMembers(pidOf(casualty!)!).length === 20 ? true : undefined), "the leader gone, its 20 children left");
    await gantries.start(dataDir, port);
    await waitFor(async () => ((await api.events.list.query({ serviceId: service.id, kind: "instance.adopted" })).length === 1 ? true : undefined), "the survivor adopted");
    await sessionEnded(pidOf(casualty!)!);

    await api.services.scale.mutate({ id: service.id, replicas: 0 });
    await waitFor(async () => ((await api.instances.list.query({ serviceId: service.id })).length === 0 ? true : undefined), "the instances gone");
    await sessionEnded(pidOf(survivor!)!);
  }, 90_000);
});
