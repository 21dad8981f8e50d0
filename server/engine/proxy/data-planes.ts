import type { DataPlaneChoice } from "../../env";
import type { Logger } from "../../lib/logger";
import { createDataPlane } from "./data-plane";
import { HaproxyDataPlane } from "./haproxy/haproxy-data-plane";
import type { DataPlanePort } from "./traffic-controller";

/** A data plane Gantry's boot can also let go of, leaving it serving (a boot that failed, as a crash would). */
export type DataPlaneHandle = DataPlanePort & { release(): void };

export type DataPlaneSettings = { log: Logger; dataDir: string; workers: number; orphanMs: number };

/** The data planes GANTRY_DATA_PLANE chooses from: one entry per kind, the compiler lists them all. */
const dataPlanes: { [K in DataPlaneChoice["kind"]]: (settings: DataPlaneSettings, choice: Extract<DataPlaneChoice, { kind: K }>) => DataPlaneHandle } = {
  node: (settings) => createDataPlane(settings),
  haproxy: (settings, choice) => new HaproxyDataPlane({ log: settings.log, dataDir: settings.dataDir, binary: choice.binary }),
};

export function chosenDataPlane(choice: DataPlaneChoice, settings: DataPlaneSettings): DataPlaneHandle {
  return choice.kind === "haproxy" ? dataPlanes.haproxy(settings, choice) : dataPlanes.node(settings, choice);
}

/** How boot names the data plane in its log. */
export const describeDataPlane = (choice: DataPlaneChoice) =>
  choice.kind === "haproxy" ? `HAProxy (${choice.binary}), driven through its runtime API` : "Gantry's own (Node proxy workers)";
