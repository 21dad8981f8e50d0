import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureTemplate, tempDir, TEST_TOKEN, useTestGantry } from "../testing/gantry";
import { waitFor } from "../testing/wait";
import { runCli, startCli } from "./cli-process";

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("gantry CLI: credentials, exit codes and watching", () => {
  const t = useTestGantry();
  const running: { stop(): void }[] = [];
  afterEach(() => running.splice(0).forEach((p) => p.stop()));

  it("a wrong token exits 3 with a line naming GANTRY_TOKEN and gantry login", async () => {
    const result = await runCli(["get", "services"], { GANTRY_URL: t.gantry.url, GANTRY_TOKEN: "not-a-real-token", XDG_CONFIG_HOME: tempDir("cli-config") });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`gantry: Gantry at ${t.gantry.url} refused the token: set GANTRY_TOKEN or run \`gantry login\`\n`);
    expect(result.stdout).toBe("");
  });

  it("an unreachable server exits 4; --verbose adds the cause", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(["get", "services"], { GANTRY_URL: url, GANTRY_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir("cli-config") });
    expect(result).toMatchObject({ code: 4, stderr: `gantry: can't reach Gantry at ${url} (ECONNREFUSED)\n` });
    const verbose = await runCli(["--verbose", "get", "services"], { GANTRY_URL: url, GANTRY_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir("cli-config") });
    expect(verbose.code).toBe(4);
    expect(verbose.stderr).toContain("caused by: TypeError: fetch failed");
  });

  it("login --token checks the token and stores it in a 0600 file in a 0700 directory; logout forgets it", async () => {
    const home = tempDir("cli-config");
    const env = { XDG_CONFIG_HOME: home };
    const wrong = await runCli(["login", t.gantry.url, "--token"], env, "wrong-token\n");
    expect(wrong.code).toBe(3);
    expect(fs.existsSync(path.join(home, "gantry"))).toBe(false);

    const login = await runCli(["login", t.gantry.url, "--token"], env, `${TEST_TOKEN}\n`);
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`signed in to ${t.gantry.url}`);
    const file = path.join(home, "gantry", "config.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toMatchObject({ url: t.gantry.url, token: TEST_TOKEN });

    // No GANTRY_URL or GANTRY_TOKEN: the stored login is used.
    expect(await runCli(["get", "services", "-o", "json"], env)).toMatchObject({ code: 0, stdout: "[]\n" });
    expect(await runCli(["logout"], env)).toMatchObject({ code: 0 });
    expect(fs.existsSync(file)).toBe(false);
    expect((await runCli(["get", "services"], env)).code).toBe(3);
  });

  it("login with a password makes a token for the user; logout revokes it", async () => {
    const user = await t.api.users.create.mutate({ username: "ana", password: "correct horse battery", role: "operator" });
    const env = { XDG_CONFIG_HOME: tempDir("cli-config") };
    const refused = await runCli(["login", t.gantry.url, "-u", "ana"], env, "wrong password!\n");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^Password: \ngantry: sign-in refused: /);

    const login = await runCli(["login", t.gantry.url], env, "ana\ncorrect horse battery\n");
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`signed in to ${t.gantry.url} as ana with a new operator token`);
    const [token] = (await t.api.tokens.list.query()).filter((k) => k.userId === user.id);
    expect(token).toMatchObject({ role: "operator", username: "ana" });
    expect((await runCli(["get", "services"], env)).code).toBe(0);

    expect((await runCli(["logout"], env)).code).toBe(0);
    expect((await t.api.tokens.list.query()).filter((k) => k.userId === user.id)).toEqual([]);
  });

  it("rollout status exits 5 when the rollout fails", async () => {
    const svc = await t.api.services.create.mutate({ name: "flaky", template: fixtureTemplate(), strategy: { progressDeadlineSeconds: 1 } });
    await waitFor(async () => (await t.api.instances.list.query({ serviceId: svc.id })).find((i) => i.ready), "flaky ready", 15_000);
    await t.api.services.update.mutate({ id: svc.id, version: svc.version, patch: { template: { env: { FIXTURE_EXIT_AT_START: "1" } } } });
    const status = await runCli(["rollout", "status", "flaky"], { GANTRY_URL: t.gantry.url, GANTRY_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir("cli-config") });
    expect(status.code).toBe(5);
    // Progress first, unless the 1 s deadline ran out before the CLI (a Node process) was up to look.
    expect(status.stdout).toMatch(/^flaky: (rolling out revision 1 -> 2: 0 of 1 updated|rollout revision 1 -> 2 failed)/);
    expect(status.stderr).toMatch(/^gantry: rollout revision 1 -> 2 failed/);
  });

  it("get instances -w prints the table, then each instance as it changes", async () => {
    const svc = await t.api.services.create.mutate({ name: "watched", replicas: 0, template: fixtureTemplate() });
    const watch = startCli(["get", "instances", "watched", "-w"], { GANTRY_URL: t.gantry.url, GANTRY_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir("cli-config") });
    running.push(watch);
    // Nothing to show yet; give the socket time to subscribe before anything changes.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await t.api.services.scale.mutate({ id: svc.id, replicas: 1 });
    await waitFor(() => / Running +yes /.test(watch.output()) || undefined, "the instance running and ready", 15_000);
    const lines = watch.output().trim().split("\n");
    expect(lines[0]).toMatch(/^ID +SERVICE +REVISION +PHASE +READY +RESTARTS +PORT +AGE$/);
    expect(lines.slice(1).every((line) => line.startsWith("watched-"))).toBe(true);
    expect(watch.errors()).toBe("");
  });
});
