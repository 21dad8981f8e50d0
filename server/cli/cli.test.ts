import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../contracts/service";
import { fixtureTemplate, tempDir, TEST_TOKEN, useTestGantry } from "../testing/gantry";
import { waitFor } from "../testing/wait";
import { runCli, startCli } from "./cli-process";

/**
 * The `gantry` CLI as a user runs it: a separate process, against a real Gantry, with the admin
 * token in GANTRY_TOKEN.
 */
describe("gantry CLI against a running Gantry", () => {
  const t = useTestGantry();
  const env = () => ({ GANTRY_URL: t.gantry.url, GANTRY_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir("cli-config") });
  const running: { stop(): void }[] = [];
  afterEach(() => running.splice(0).forEach((p) => p.stop()));

  const readyInstances = async (service: Service, count: number) =>
    waitFor(async () => {
      const instances = (await t.api.instances.list.query({ serviceId: service.id })).filter((i) => i.phase === "Running" && i.ready);
      return instances.length === count ? instances : undefined;
    }, `${count} ready instances of ${service.name}`, 15_000);

  it("get services -o json prints the services; -o name their names; a missing one exits 2", async () => {
    const api = await t.api.services.create.mutate({ name: "api", template: fixtureTemplate() });
    const json = await runCli(["get", "services", "-o", "json"], env());
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Service[]).map((s) => [s.id, s.name])).toEqual([[api.id, "api"]]);
    const table = await runCli(["get", "services"], env());
    expect(table.stdout).toMatch(/^NAME +READY +REVISION +LISTEN +AGE\napi +\d\/1 +1 /);
    const missing = await runCli(["get", "instances", "nope"], env());
    expect(missing).toMatchObject({ code: 2, stderr: "gantry: no service named nope (there are: api)\n" });
  });

  it("scale api=3: the service gets three instances", async () => {
    const [api] = await t.api.services.list.query();
    const result = await runCli(["scale", "api=3"], env());
    expect(result).toMatchObject({ code: 0, stdout: "api scaled to 3 (was 1)\n" });
    await readyInstances(api!, 3);
    const listed = await runCli(["get", "instances", "api", "-o", "yaml"], env());
    expect(listed.stdout.match(/^- id: /gm)).toHaveLength(3);
  });

  it("logs -f interleaves the instances' lines, prefixed with their ids, and picks up an instance that starts", async () => {
    const talker = await t.api.services.create.mutate({ name: "talker", replicas: 2, template: fixtureTemplate() });
    const [first, second] = await readyInstances(talker, 2);
    const follow = startCli(["logs", "-f", "talker", "--tail", "5"], env());
    running.push(follow);
    // Each instance's start line arrives with its log's snapshot: the CLI is following both.
    await waitFor(() => [first!, second!].every((i) => follow.output().includes(`${i.id} | `)) || undefined, "both instances in the stream", 15_000);
    for (const instance of [first!, second!]) await fetch(`http://127.0.0.1:${instance.port}/say?text=hello-from-${instance.id}`);
    await waitFor(() => [first!, second!].every((i) => follow.output().includes(`${i.id} | hello-from-${i.id}\n`)) || undefined, "lines of both instances", 10_000);
    expect(follow.output()).not.toContain("\x1b["); // not a terminal: no colour

    await t.api.services.scale.mutate({ id: talker.id, replicas: 3 });
    const third = (await readyInstances(talker, 3)).find((i) => i.id !== first!.id && i.id !== second!.id)!;
    await fetch(`http://127.0.0.1:${third.port}/say?text=newcomer`);
    await waitFor(() => follow.output().includes(`${third.id} | newcomer\n`) || undefined, "the new instance's line", 10_000);
    expect(follow.errors()).toBe("");
  });

  it("restart restarts every instance of the service", async () => {
    const [, talker] = await t.api.services.list.query();
    const before = await readyInstances(talker!, 3);
    const result = await runCli(["restart", "talker"], env());
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n").sort()).toEqual(before.map((i) => `restarted ${i.id}`).sort());
    await waitFor(async () => {
      const after = await t.api.instances.list.query({ serviceId: talker!.id });
      return after.every((i) => i.restarts > (before.find((b) => b.id === i.id)?.restarts ?? -1) && i.ready) || undefined;
    }, "every instance restarted and ready again", 15_000);
  });

  it("rollout status follows a rollout to its end; rollout undo goes back to the previous revision", async () => {
    const svc = await t.api.services.create.mutate({ name: "web", template: fixtureTemplate() });
    await readyInstances(svc, 1);
    await t.api.services.update.mutate({ id: svc.id, version: svc.version, patch: { template: { env: { GREETING: "two" } } } });
    const status = await runCli(["rollout", "status", "web"], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("web: rollout revision 1 -> 2 succeeded\n");

    const undo = await runCli(["rollout", "undo", "web"], env());
    expect(undo).toMatchObject({ code: 0, stdout: "web: rolling back, revision 2 -> 1\n" });
    const [newest] = await t.api.rollouts.list.query({ serviceId: svc.id });
    expect(newest).toMatchObject({ cause: "rollback", fromRevision: 2, toRevision: 1 });
    const after = await runCli(["rollout", "status", "web"], env());
    expect(after.stdout).toContain("web: rollout revision 2 -> 1 succeeded\n");
    const rollouts = await runCli(["get", "rollouts", "web", "-o", "json"], env());
    expect(JSON.parse(rollouts.stdout)).toHaveLength(2);
  });
});
