import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { isSameProcess, killSession, processStartTime, signalGroup } from "../../lib/proc";
import type { ExitStatus } from "../types";
import { UsageSampler } from "./process-usage";
import { SpawnError, type LaunchSpec, type RuntimeDriver, type RuntimeHandle, type Usage } from "./runtime-driver";

const ADOPTED_EXIT_POLL_MS = 500;

type Leader = { pid: number; startTime: bigint; exited: Promise<ExitStatus>; alive(): boolean };

/**
 * The handle on an instance's leader. Stop signals go to its process group. Once the leader has
 * exited, whatever it left in its session is killed, as systemd's control-group mode does: the
 * group, and groups its descendants made (e.g. a shell with job control); started or adopted alike.
 */
function leaderHandle(leader: Leader): RuntimeHandle & { pid: number } {
  const { pid, startTime } = leader;
  return {
    pid,
    details: { kind: "process", pid, startTime: String(startTime) },
    host: "127.0.0.1",
    exited: leader.exited.then((status) => {
      killSession(pid, startTime);
      return status;
    }),
    signal: (signal) => {
      // Once the leader is gone its pid may name another process.
      if (leader.alive()) signalGroup(pid, signal);
    },
  };
}

/**
 * Local child processes. Each instance leads its own session and process group (so signals reach
 * its children and Ctrl-C on Gantry's terminal doesn't), and writes straight into its log files
 * rather than through pipes to Gantry, so it keeps running, and logging, if Gantry dies. Memory
 * limits are Gantry's: it samples each process tree from /proc and kills over the limit.
 */
export function createProcessDriver(): RuntimeDriver {
  const sampler = new UsageSampler();
  const pidOf = (handle: RuntimeHandle) => (handle.details.kind === "process" ? handle.details.pid : undefined);

  return {
    name: "process",
    capabilities: { adopt: true, memoryLimit: "sampled", cpuLimit: false, execInside: false, replicas: "gantry" },

    async start(spec: LaunchSpec) {
      const { command, args, shell } = spec.template;
      const [file, argv] = shell ? ["/bin/sh", ["-c", command, spec.instanceId, ...args]] : [command, args];
      const output: number[] = [];
      let child: ChildProcess;
      try {
        // What an instance prints may hold anything (tokens, customer data): for Gantry's user alone.
        output.push(fs.openSync(spec.stdoutPath, "a", 0o600), fs.openSync(spec.stderrPath, "a", 0o600));
        // (Next's global types make NODE_ENV mandatory in ProcessEnv; the instance's env is exactly spec.env.)
        child = spawn(file, argv, { cwd: spec.cwd, env: spec.env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", ...output] });
      } finally {
        for (const fd of output) fs.closeSync(fd);
      }
      const exited = new Promise<ExitStatus>((resolve) => child.once("exit", (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })));
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", (err: NodeJS.ErrnoException) =>
          reject(new SpawnError(`cannot start ${shell ? "/bin/sh" : command}: ${err.code === "ENOENT" ? "no such file or directory in PATH or cwd" : err.message}`)),
        );
      });
      child.on("error", () => {}); // later errors (e.g. a failed kill) surface through exit
      const pid = child.pid!;
      const alive = () => child.exitCode === null && child.signalCode === null;
      return leaderHandle({ pid, startTime: processStartTime(pid) ?? 0n, exited, alive });
    },

    async adopt(details) {
      if (details.kind !== "process") return undefined;
      const { pid } = details;
      const startTime = BigInt(details.startTime);
      if (!isSameProcess(pid, startTime)) {
        // It ended while no Gantry watched: what it left behind has nobody to stop it but us.
        killSession(pid, startTime);
        return undefined;
      }
      // Not our child, so no exit event: watch /proc until that exact process is gone (or a zombie).
      const exited = new Promise<ExitStatus>((resolve) => {
        const timer = setInterval(() => {
          if (isSameProcess(pid, startTime)) return;
          clearInterval(timer);
          resolve({ code: null, signal: null });
        }, ADOPTED_EXIT_POLL_MS);
        timer.unref();
      });
      return leaderHandle({ pid, startTime, exited, alive: () => isSameProcess(pid, startTime) });
    },

    async sample(handles, now) {
      const byPid = new Map<number, RuntimeHandle>();
      for (const handle of handles) {
        const pid = pidOf(handle);
        if (pid !== undefined) byPid.set(pid, handle);
      }
      const usage = new Map<RuntimeHandle, Usage>();
      for (const [pid, sample] of sampler.sample(byPid.keys(), now)) usage.set(byPid.get(pid)!, sample);
      return usage;
    },
  };
}
