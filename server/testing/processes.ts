import type { Instance } from "../contracts/instance";
import fs from "node:fs";

const read = (file: string) => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
};

function parentOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Every live process below `ancestor` (children, grandchildren…). */
export function descendantsOf(ancestor: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent !== undefined) parents.set(Number(entry), parent);
  }
  const below = (pid: number): boolean => {
    for (let up = parents.get(pid); up !== undefined && up > 1; up = parents.get(up)) if (up === ancestor) return true;
    return false;
  };
  return [...parents.keys()].filter(below);
}

/** The processes below `ancestor` whose command line (arguments joined by NULs) matches `command`. */
export function descendantsRunning(ancestor: number, command: RegExp): number[] {
  return descendantsOf(ancestor).filter((pid) => command.test(read(`/proc/${pid}/cmdline`) ?? ""));
}

/** The data plane's processes (the data plane process and its proxy workers, where it has any) below `ancestor`. */
export function dataPlaneProcessesOf(ancestor: number): number[] {
  return descendantsRunning(ancestor, /data-plane-process|proxy-worker/);
}

/** The HAProxy of a Gantry with GANTRY_DATA_PLANE=haproxy (its master and worker) below `ancestor`. */
export function haproxyProcessesOf(ancestor: number): number[] {
  return descendantsRunning(ancestor, /^(?:[^\0]*\/)?haproxy(?:\0|$)/); // its program, not an argument
}

/** The launcher of exec probes' commands (engine/drivers/launcher-process.mjs) below `ancestor`, if it runs. */
export function launcherProcessesOf(ancestor: number): number[] {
  return descendantsRunning(ancestor, /launcher-process\.mjs/);
}

/** A process's environment, as the kernel holds it. */
export function environOf(pid: number): Record<string, string> {
  const entries = (read(`/proc/${pid}/environ`) ?? "").split("\0").filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/** Running (a zombie waiting for its parent to reap it counts as gone). */
export function isAlive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  return stat !== undefined && stat[stat.lastIndexOf(")") + 2] !== "Z";
}

/** The pid an instance of the process runtime runs as (null while nothing runs). */
export function pidOf(instance: Pick<Instance, "runtime">): number | null {
  return instance.runtime?.kind === "process" ? instance.runtime.pid : null;
}
