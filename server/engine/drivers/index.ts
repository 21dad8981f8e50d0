import type { Logger } from "../../lib/logger";
import { installationId } from "../../lib/installation-id";
import { createDockerDriver } from "./docker-driver";
import { createProcessDriver } from "./process-driver";
import { createSwarmDriver } from "./swarm-driver";
import type { RuntimeDriver, RuntimeName } from "./runtime-driver";

/** What a driver may need to be built. */
export type DriverContext = { log: Logger; dataDir: string; swarm?: SwarmContext };

/** Where the Swarm manager is and which port blocks its tasks take (defaults: DOCKER_HOST, ports 30001-39999). */
export type SwarmContext = { host?: string; portBlocks: { from: number; to: number }; pollMs?: number };

/** Every runtime: one line each, as balancers and probe kinds are. */
const factories: Record<RuntimeName, (context: DriverContext) => RuntimeDriver> = {
  process: createProcessDriver,
  docker: ({ log, dataDir }) => createDockerDriver({ owner: installationId(dataDir), log }),
  swarm: ({ log, dataDir, swarm }) => createSwarmDriver({ owner: installationId(dataDir), log, portBlocks: { from: 300, to: 399 }, ...swarm }),
};

/**
 * The drivers of one engine, each built the first time an instance needs it (so a Gantry that
 * runs no containers never talks to a Docker daemon). `overrides` stand in for real ones (tests).
 */
export class DriverSet {
  private readonly built = new Map<RuntimeName, RuntimeDriver>();

  constructor(
    private readonly context: DriverContext,
    overrides: Partial<Record<RuntimeName, RuntimeDriver>> = {},
  ) {
    for (const [name, driver] of Object.entries(overrides)) this.built.set(name as RuntimeName, driver);
  }

  get(name: RuntimeName): RuntimeDriver {
    let driver = this.built.get(name);
    if (!driver) this.built.set(name, (driver = factories[name](this.context)));
    return driver;
  }

  /** Whether a driver has been built (something used its runtime). */
  has(name: RuntimeName): boolean {
    return this.built.has(name);
  }

  /** The drivers in use so far. */
  active(): RuntimeDriver[] {
    return [...this.built.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.active().map((d) => d.close?.()));
  }
}
