import { spawnSync } from "node:child_process";
import path from "node:path";
import Docker from "dockerode";
import type { SwarmSettings } from "../env";
import { dockerConnection } from "../engine/drivers/swarm-connection";
import { ensureTestImage, TEST_IMAGE } from "./docker";

export type TestSwarm = { docker: Docker; image: string; settings: SwarmSettings };

/**
 * The single-node swarm at GANTRY_SWARM_HOST (scripts/swarm-test-daemon.sh starts one) with the
 * test image on it, or undefined, with the reason printed, where there is none. Under CI a missing
 * swarm fails. Its tasks' ports are a slice of their own per test worker (they bind the host's).
 */
export async function testSwarm(): Promise<TestSwarm | undefined> {
  const host = process.env.GANTRY_SWARM_HOST;
  const docker = host ? new Docker(dockerConnection(host).options) : undefined;
  const state = await docker?.info().then(
    (info: { Swarm?: { LocalNodeState?: string } }) => info.Swarm?.LocalNodeState,
    (err: Error) => `unreachable (${err.message})`,
  );
  if (!docker || state !== "active") {
    const reason = host ? `the daemon at GANTRY_SWARM_HOST=${host} is not an active swarm manager: ${state}` : "GANTRY_SWARM_HOST is not set";
    if (process.env.CI === "true") throw new Error(reason);
    console.warn(`skipping swarm tests: ${reason}; start one with scripts/swarm-test-daemon.sh`);
    return undefined;
  }
  await ensureTestImage(docker);
  const worker = (Number(process.env.VITEST_POOL_ID ?? 0) + Number(process.env.TEST_PORT_SLOT ?? 0)) % 10;
  return { docker, image: TEST_IMAGE, settings: { connect: true, host, portBlocks: { from: 610 + worker * 4, to: 613 + worker * 4 }, pollMs: 250 } };
}

export type TwoNodeSwarm = TestSwarm & {
  workerHostname: string;
  /** The worker's own Docker API. */
  workerHost: string;
  /** The manager's (this host's) side of the veth pair: the address the worker reaches it at. */
  managerAddress: string;
  down(): void;
};

/**
 * A two-node swarm made for the test by scripts/swarm-two-nodes.sh: the manager on this host, a worker
 * in a network namespace joined over a veth pair on a /24 of the worker slot's own; `down` removes it
 * all. Undefined, with the reason printed, where it can't be made (not root, no iproute2); under CI that fails.
 */
export async function twoNodeSwarm(): Promise<TwoNodeSwarm | undefined> {
  const worker = (Number(process.env.VITEST_POOL_ID ?? 0) + Number(process.env.TEST_PORT_SLOT ?? 0)) % 10;
  const env = { ...process.env, GANTRY_SWARM2_ROOT: `/tmp/gantry-swarm2-${worker}`, GANTRY_SWARM2_NET: `10.77.${worker}`, GANTRY_SWARM2_NETNS: `gsw2-${worker}` };
  const script = path.join(import.meta.dirname, "../../scripts/swarm-two-nodes.sh");
  const made = spawnSync(script, ["up"], { env, encoding: "utf8" });
  if (made.status !== 0) {
    spawnSync(script, ["down"], { env });
    const reason = `a two-node swarm could not be made (root and iproute2 are needed): ${made.stderr.trim() || made.error?.message}`;
    if (process.env.CI === "true") throw new Error(reason);
    console.warn(`skipping multi-node swarm tests: ${reason}`);
    return undefined;
  }
  const [manager, workerHost] = made.stdout.trim().split("\n") as [string, string];
  const docker = new Docker(dockerConnection(manager).options);
  await Promise.all([ensureTestImage(docker), ensureTestImage(new Docker(dockerConnection(workerHost).options))]);
  return {
    docker,
    image: TEST_IMAGE,
    settings: { connect: true, host: manager, portBlocks: { from: 640 + worker, to: 640 + worker }, pollMs: 250 },
    workerHostname: `${env.GANTRY_SWARM2_NETNS}-worker`,
    workerHost,
    managerAddress: `${env.GANTRY_SWARM2_NET}.1`,
    down: () => void spawnSync(script, ["down"], { env }),
  };
}
