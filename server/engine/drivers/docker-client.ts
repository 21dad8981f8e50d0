import { createRequire } from "node:module";
import type Docker from "dockerode";
import type { DockerOptions } from "dockerode";

const require = createRequire(import.meta.url);

/**
 * A dockerode client, the library loaded the first time a driver needs a daemon: importing it
 * costs ~0.4 s of every start, and most Gantrys run no containers.
 */
export function dockerClient(options?: DockerOptions): Docker {
  const DockerClient = require("dockerode") as typeof Docker;
  return new DockerClient(options);
}
