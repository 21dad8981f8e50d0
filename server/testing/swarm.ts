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
  return { docker, image: TEST_IMAGE, settings: { connect: true, host, portBlocks: { from: 600 + worker * 5, to: 604 + worker * 5 }, pollMs: 250 } };
}
