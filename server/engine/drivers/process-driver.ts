import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { processStartTime } from "../../lib/proc";
import type { ExitStatus } from "../types";
import { SpawnError, type LaunchSpec, type ProcessHandle, type RuntimeDriver } from "./runtime-driver";

const ADOPTED_EXIT_POLL_MS = 500;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/**
 * Local child processes. Each instance leads its own session and process group (so signals reach
 * its children and Ctrl-C on Gantry's terminal doesn't), and writes straight into its log files
 * rather than through pipes to Gantry, so it keeps running, and logging, if Gantry dies.
 */
export const processDriver: RuntimeDriver = {
  name: "process",

  async start(spec: LaunchSpec): Promise<ProcessHandle> {
    const [file, argv] = spec.shell ? ["/bin/sh", ["-c", spec.command, spec.instanceId, ...spec.args]] : [spec.command, spec.args];
    const stdout = fs.openSync(spec.stdoutPath, "a");
    const stderr = fs.openSync(spec.stderrPath, "a");
    let child: ChildProcess;
    try {
      // (Next's global types make NODE_ENV mandatory in ProcessEnv; the instance's env is exactly spec.env.)
      child = spawn(file, argv, { cwd: spec.cwd, env: spec.env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", stdout, stderr] });
    } finally {
      fs.closeSync(stdout);
      fs.closeSync(stderr);
    }
    const exited = new Promise<ExitStatus>((resolve) =>
      child.once("exit", (code: number | null, signal: NodeJS.Signals | null) => {
        // The leader is gone; take down anything it left in its group, as systemd's control-group mode does.
        if (child.pid) signalGroup(child.pid, "SIGKILL");
        resolve({ code, signal });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err: NodeJS.ErrnoException) =>
        reject(new SpawnError(`cannot start ${spec.shell ? "/bin/sh" : spec.command}: ${err.code === "ENOENT" ? "no such file or directory in PATH or cwd" : err.message}`)),
      );
    });
    child.on("error", () => {}); // later errors (e.g. a failed kill) surface through exit
    const pid = child.pid!;
    return {
      pid,
      startTime: processStartTime(pid) ?? 0n,
      exited,
      signal: (signal) => signalGroup(pid, signal),
    };
  },

  adopt(pid, startTime) {
    if (processStartTime(pid) !== startTime) return undefined;
    // Not our child, so no exit event: watch /proc until that exact process is gone.
    const exited = new Promise<ExitStatus>((resolve) => {
      const timer = setInterval(() => {
        if (processStartTime(pid) !== startTime) {
          clearInterval(timer);
          resolve({ code: null, signal: null });
        }
      }, ADOPTED_EXIT_POLL_MS);
      timer.unref();
    });
    return {
      pid,
      startTime,
      exited,
      signal: (signal) => {
        if (processStartTime(pid) === startTime) signalGroup(pid, signal);
      },
    };
  },
};
