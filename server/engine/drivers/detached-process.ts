import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import type { ExitStatus } from "../types";

/** A file and its arguments, run in exactly this environment and folder. */
export type Command = { file: string; args: string[]; cwd: string; env: Record<string, string> };

/** A start that failed, with the errno code of the spawn (ENOENT, EACCES…) when there is one. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Starts an instance from Gantry's own process. It leads a session of its own and appends its
 * output straight to two files, so it keeps running, and logging, when Gantry ends. A fork stops
 * the forking thread while the kernel copies its page tables: ~3 ms for Gantry's main process
 * (median of 20 starts at 216 MiB RSS with PGlite and the dashboard; 11 ms at the 681 MiB of a
 * first start), which instance starts are rare enough to afford. Commands run every period (exec
 * probes) are forked by the launcher instead (launcher.ts).
 */
export function startDetached(command: Command & { stdoutPath: string; stderrPath: string }): Promise<{ pid: number; exited: Promise<ExitStatus> }> {
  const { file, args, cwd, env, stdoutPath, stderrPath } = command;
  return new Promise((resolve, reject) => {
    const files: number[] = [];
    let child: ChildProcess;
    try {
      // What an instance prints may hold anything (tokens, customer data): for Gantry's user alone.
      files.push(fs.openSync(stdoutPath, "a", 0o600), fs.openSync(stderrPath, "a", 0o600));
      // Exactly this environment, none of Gantry's (ProcessEnv's NODE_ENV is not required at run time).
      child = spawn(file, args, { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", ...files] });
    } catch (err) {
      const { message, code } = err as NodeJS.ErrnoException;
      return reject(new LaunchError(message, code));
    } finally {
      for (const fd of files) fs.closeSync(fd);
    }
    const exited = new Promise<ExitStatus>((done) => child.once("exit", (code, signal) => done({ code, signal })));
    child.once("spawn", () => resolve({ pid: child.pid!, exited }));
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) reject(new LaunchError(err.message, err.code));
    });
  });
}
