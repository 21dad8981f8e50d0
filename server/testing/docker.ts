import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";

/** The image container tests run: Debian's static busybox and nothing else, built here (no registry is reachable). */
export const TEST_IMAGE = "gantry-test/busybox:latest";

export type TestDocker = { docker: Docker; image: string };

/**
 * The daemon at DOCKER_HOST (scripts/docker-test-daemon.sh starts one) with the test image on it,
 * or undefined, with the reason printed, where there is none. Under CI a missing daemon fails.
 */
export async function testDocker(): Promise<TestDocker | undefined> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (err) {
    const reason = `no Docker daemon at ${process.env.DOCKER_HOST ?? "/var/run/docker.sock"} (${(err as Error).message}); start one with scripts/docker-test-daemon.sh`;
    if (process.env.CI === "true") throw new Error(reason);
    console.warn(`skipping container tests: ${reason}`);
    return undefined;
  }
  await ensureTestImage(docker);
  return { docker, image: TEST_IMAGE };
}

/** Builds TEST_IMAGE on a daemon that lacks it (there is no registry: every daemon, every swarm node, gets its own). */
export async function ensureTestImage(docker: Docker): Promise<void> {
  const present = await docker.getImage(TEST_IMAGE).inspect().then(
    () => true,
    () => false,
  );
  if (present) return;
  const busybox = spawnSync("which", ["busybox"], { encoding: "utf8" }).stdout.trim();
  if (!busybox) throw new Error("the container tests build their image from a static busybox: apt-get install busybox-static");
  // bin/busybox and one relative symlink per applet (busybox --install would link to the host's path), /tmp for scratch.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-busybox-image-"));
  const root = path.join(scratch, "root");
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(root, "bin"));
  fs.mkdirSync(path.join(root, "tmp"), { mode: 0o1777 });
  fs.chmodSync(path.join(root, "tmp"), 0o1777);
  fs.copyFileSync(busybox, path.join(root, "bin", "busybox"));
  fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
  const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter((name) => name && name !== "busybox");
  for (const applet of applets) fs.symlinkSync("busybox", path.join(root, "bin", applet));
  const tarball = path.join(scratch, "image.tar");
  execFileSync("tar", ["-C", root, "-cf", tarball, "."]);
  const [repo, tag] = TEST_IMAGE.split(":");
  try {
    const stream = await docker.importImage(tarball, { repo, tag, changes: ["ENV PATH=/bin"] });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve(undefined))));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
