import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceTemplate, type InstanceTemplateInput } from "../../contracts/service";
import { silentLogger } from "../../lib/logger";
import { testDocker } from "../../testing/docker";
import { tempDir } from "../../testing/gantry";
import { waitFor } from "../../testing/wait";
import { labels } from "./docker-container";
import { createDockerDriver } from "./docker-driver";
import type { LaunchSpec } from "./runtime-driver";
import { freePort } from "../../testing/ports";

// The driver alone against a real daemon (scripts/docker-test-daemon.sh) and Debian's docker-registry on loopback.
const docker = await testDocker();

function launchSpec(template: InstanceTemplateInput, progress: string[] = []): LaunchSpec {
  const dir = tempDir("docker-driver");
  const instanceId = `drv-${randomBytes(4).toString("hex")}`;
  return {
    instanceId,
    serviceId: "svc-driver-test",
    serviceName: "driver-test",
    revision: 1,
    template: instanceTemplate.parse(template),
    cwd: dir,
    env: { PORT: "0" },
    port: null,
    stdoutPath: path.join(dir, "stdout.log"),
    stderrPath: path.join(dir, "stderr.log"),
    progress: (message) => progress.push(message),
  };
}

/** A registry on a free loopback port, its storage in a temp dir. */
async function startRegistry(): Promise<{ address: string; process: ChildProcess }> {
  const port = await freePort();
  const dir = tempDir("registry");
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  const address = `127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`http://${address}/v2/`).catch(() => undefined))?.ok ? true : undefined), "the registry to answer");
  return { address, process: child };
}

describe.skipIf(!docker)("the Docker driver", () => {
  const owner = `test-${randomBytes(4).toString("hex")}`;
  const driver = createDockerDriver({ owner, log: silentLogger });
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  beforeAll(async () => (registry = await startRegistry()));
  afterAll(async () => {
    registry?.process.kill();
    await driver.close?.();
  });

  it("pulls an image the daemon lacks from a registry, saying how far it got, and records its registry digest", async () => {
    // An image with a layer of its own (a random file over the test image), pushed, then removed here: the pull downloads that layer.
    const reference = `${registry.address}/gantry-test/pulled:${randomBytes(3).toString("hex")}`;
    const [repo, tag] = [reference.slice(0, reference.lastIndexOf(":")), reference.slice(reference.lastIndexOf(":") + 1)];
    const writer = await docker!.docker.createContainer({ Image: docker!.image, Cmd: ["sh", "-c", "head -c 2000000 /dev/urandom > /blob"], HostConfig: { NetworkMode: "host" } });
    await writer.start();
    await writer.wait();
    await writer.commit({ repo, tag });
    await writer.remove();
    const pushed = await docker!.docker.getImage(reference).push({ authconfig: {} });
    await new Promise((resolve, reject) => docker!.docker.modem.followProgress(pushed, (err) => (err ? reject(err) : resolve(undefined))));
    await docker!.docker.getImage(reference).remove();

    const progress: string[] = [];
    const handle = await driver.start(launchSpec({ runtime: "docker", image: reference, command: "sleep", args: ["30"], gracePeriodSeconds: 1 }, progress));
    expect(progress[0]).toBe(`pulling ${reference}`);
    expect(progress.slice(1)).toContainEqual(expect.stringMatching(new RegExp(`^pulling ${reference.replace(/[.]/g, "\\.")}: \\d of \\d layers`)));
    expect(handle.details).toMatchObject({ kind: "docker", image: reference, digest: expect.stringMatching(/^127\.0\.0\.1:\d+\/gantry-test\/pulled@sha256:[a-f0-9]{64}$/) });
    handle.signal("SIGKILL");
    expect(await handle.exited).toMatchObject({ signal: "SIGKILL" });
    await expect(docker!.docker.getContainer(handle.details.kind === "docker" ? handle.details.containerId : "").inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it("fails a start with the registry's address when the registry can't be reached, leaving no container", async () => {
    const spec = launchSpec({ runtime: "docker", image: "127.0.0.1:1/gantry-test/absent:v1", command: "" });
    await expect(driver.start(spec)).rejects.toThrow(/^cannot pull image 127\.0\.0\.1:1\/gantry-test\/absent:v1: .*connection refused/);
    expect(await docker!.docker.listContainers({ all: true, filters: { label: [`${labels.instance}=${spec.instanceId}`] } })).toEqual([]);
  }, 30_000);

  it("fails a start whose command is not in the image with the daemon's reason", async () => {
    await expect(driver.start(launchSpec({ runtime: "docker", image: docker!.image, command: "/no/such/program" }))).rejects.toThrow(/^cannot start a container of gantry-test\/busybox:latest: .*no such file or directory/);
  }, 30_000);

  it("reads CPU and memory from the daemon's stats", async () => {
    const handle = await driver.start(launchSpec({ runtime: "docker", image: docker!.image, command: "a=aaaaaaaa; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do a=$a$a; done; while true; do :; done", shell: true, gracePeriodSeconds: 0 }));
    await driver.sample([handle], Date.now());
    const usage = await waitFor(async () => {
      await new Promise((r) => setTimeout(r, 300));
      const found = (await driver.sample([handle], Date.now())).get(handle);
      return found && found.cpuPercent > 20 && found.memoryBytes > 8 * 1024 * 1024 ? found : undefined;
    }, "a busy container's usage");
    expect(usage.cpuSeconds).toBeGreaterThan(0);
    handle.signal("SIGKILL");
    await handle.exited;
  }, 30_000);

  it("sweeps its own containers that no instance names, and leaves other installations' alone", async () => {
    const mine = await driver.start(launchSpec({ runtime: "docker", image: docker!.image, command: "sleep", args: ["60"] }));
    const kept = await driver.start(launchSpec({ runtime: "docker", image: docker!.image, command: "sleep", args: ["60"] }));
    const other = createDockerDriver({ owner: `${owner}-other`, log: silentLogger });
    const theirs = await other.start(launchSpec({ runtime: "docker", image: docker!.image, command: "sleep", args: ["60"] }));
    const idOf = (h: typeof mine) => (h.details.kind === "docker" ? h.details.containerId : "");
    const keptSpec = (await docker!.docker.getContainer(idOf(kept)).inspect()).Config.Labels[labels.instance]!;

    await driver.sweep!(new Set([keptSpec]));
    await expect(docker!.docker.getContainer(idOf(mine)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker!.docker.getContainer(idOf(kept)).inspect()).State.Running).toBe(true);
    expect((await docker!.docker.getContainer(idOf(theirs)).inspect()).State.Running).toBe(true);
    for (const handle of [kept, theirs]) handle.signal("SIGKILL");
    await Promise.all([kept.exited, theirs.exited]);
    await other.close?.();
  }, 30_000);
});
