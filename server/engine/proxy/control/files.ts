import fs from "node:fs";
import path from "node:path";

/** Where a data dir's data plane keeps its control socket, its state file and its log. */
export type DataPlaneFiles = { socket: string; state: string; log: string };

/** A unix socket path is at most 107 bytes (sun_path, less its terminating NUL). */
const MAX_SOCKET_PATH = 107;

export function dataPlaneFiles(dataDir: string): DataPlaneFiles {
  const dir = path.resolve(dataDir);
  const socket = path.join(dir, "data-plane.sock");
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(`the data dir ${dir} is too long a path for the data plane's control socket (${Buffer.byteLength(socket)} bytes, at most ${MAX_SOCKET_PATH}): set GANTRY_DATA_DIR to a shorter one`);
  }
  return { socket, state: path.join(dir, "data-plane.json"), log: path.join(dir, "data-plane.log") };
}

/** Who the running data plane is: for a Gantry that finds its socket unresponsive, and for operators. */
export type DataPlaneState = { pid: number; startTime: string; protocol: number; build: string };

/** Written aside and renamed into place: a reader sees the old state or the new, never half. */
export function writeState(file: string, state: DataPlaneState): void {
  const draft = `${file}.${process.pid}`;
  fs.writeFileSync(draft, `${JSON.stringify(state)}\n`);
  fs.renameSync(draft, file);
}

export function readState(file: string): DataPlaneState | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<DataPlaneState>;
    if (typeof state.pid === "number" && typeof state.startTime === "string") return state as DataPlaneState;
  } catch {
    // none, or unreadable: no data plane to speak of
  }
  return undefined;
}

/** Removes the state file if it still describes process `pid` (a successor may have rewritten it). */
export function removeState(file: string, pid: number): void {
  if (readState(file)?.pid === pid) fs.rmSync(file, { force: true });
}
