import type { DataPlaneChoice } from "../../env";
import type { Logger } from "../../lib/logger";
import { createDataPlane } from "./data-plane";
import { HaproxyDataPlane } from "./haproxy/haproxy-data-plane";
import type { DataPlanePort } from "./traffic-controller";

/** A data plane Gantry's boot can also let go of, leaving it serving (a boot that failed, as a crash would). */
export type DataPlaneHandle = DataPlanePort & { release(): void };

export type DataPlaneSettings = { log: Logger; dataDir: string; workers: number; orphanMs: number };

/** The data plane GANTRY_DATA_PLANE chose. */
export function chosenDataPlane(choice: DataPlaneChoice, settings: DataPlaneSettings): DataPlaneHandle {
  return choice.kind === "haproxy" ? new HaproxyDataPlane({ log: settings.log, dataDir: settings.dataDir, binary: choice.binary, retryResponses: choice.retryResponses }) : createDataPlane(settings);
}

/** How boot names the data plane in its log. */
export const describeDataPlane = (choice: DataPlaneChoice) =>
  choice.kind === "haproxy" ? `HAProxy (${choice.binary}), driven through its runtime API` : "Gantry's own (a Node proxy)";
