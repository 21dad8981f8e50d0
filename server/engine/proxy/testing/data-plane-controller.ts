// Stands in for Gantry's engine, in a process of its own so that a test can kill it the way Gantry
// gets killed: reaches (or starts) the data plane of a data dir as a Gantry of `build` would,
// sends it `config`, prints "attached", then sends each configuration written to its stdin (one
// JSON line each) and prints "configured". SIGTERM stops it as a graceful Gantry stop does.
import readline from "node:readline";
import { createLogger } from "../../../lib/logger";
import { createDataPlane } from "../data-plane";
import type { DataPlaneConfig } from "../types";

/** `workers`: proxy workers of the data plane it starts (1, the default: the data plane proxies itself). */
export type ControllerOptions = { dataDir: string; build: string; orphanMs: number; config: DataPlaneConfig; workers?: number };

const { dataDir, build, orphanMs, config, workers = 1 } = JSON.parse(process.argv[2]!) as ControllerOptions;
const dataPlane = createDataPlane({ log: createLogger("warn", process.stderr), dataDir, workers, orphanMs, build });
await dataPlane.start();
dataPlane.configure(config);
console.log("attached");
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  dataPlane.configure(JSON.parse(line) as DataPlaneConfig);
  console.log("configured");
});
process.on("SIGTERM", () => void dataPlane.stop().then(() => process.exit(0)));
