import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { LaunchSpec } from "../types";
import type { DataPlaneFiles } from "./files";
import { MALLOC_ENV } from "../../../lib/node-tuning";
import { settingsEnv, type DataPlaneSettings } from "./settings";

/**
 * The only variables of Gantry's environment a data plane gets. Not the database URL, keys,
 * tokens, passwords or OIDC secrets it has no use for; not NODE_OPTIONS either (Gantry's own
 * runtime flags, such as --inspect, would clash): the data plane's flags are set below.
 */
const PASSED_THROUGH = ["PATH", "TMPDIR"];

/** How this Gantry starts its data plane (and has one of another build start it as its successor). */
export function launchSpec(files: DataPlaneFiles, settings: Omit<DataPlaneSettings, "socket" | "state">, entry: string): LaunchSpec {
  const passed = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  return {
    command: process.execPath,
    // Larger young generation: fewer scavenges on the hot path.
    args: ["--max-semi-space-size=32", entry],
    env: { ...passed, ...MALLOC_ENV, ...settingsEnv({ ...settings, socket: files.socket, state: files.state }) },
    cwd: path.dirname(entry),
    logFile: files.log,
  };
}

/**
 * Starts a data plane as a process of its own: its own session (Ctrl-C in Gantry's terminal must
 * not cut traffic while instances drain), output appended to its log file rather than a pipe
 * that would break when its starter dies, and not waited for. `inherited` descriptors become its
 * descriptors 3, 4, … in that order.
 */
export function launch(spec: LaunchSpec, extra: { env?: Record<string, string>; inherited?: number[] } = {}): ChildProcess {
  const log = fs.openSync(spec.logFile, "a", 0o600);
  try {
    const stdio: StdioOptions = ["ignore", log, log, ...(extra.inherited ?? [])];
    // Exactly this environment, none of Gantry's (ProcessEnv's NODE_ENV is not required at run time).
    const env = { ...spec.env, ...extra.env } as NodeJS.ProcessEnv;
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio, detached: true });
    child.unref();
    return child;
  } finally {
    fs.closeSync(log);
  }
}
