import { isSameProcess, killSession, processStartTime, signalGroup } from "../../lib/proc";
import type { ExitStatus } from "../types";
import { startDetached, type LaunchError } from "./detached-process";
import { UsageSampler } from "./process-usage";
import { SpawnError, type LaunchSpec, type RuntimeDriver, type RuntimeHandle, type Usage } from "./runtime-driver";

const UNWATCHED_EXIT_POLL_MS = 500;

/** The end of a process that no exit event will tell of (not started by this Gantry): /proc, until that exact process is gone (or a zombie). */
function exitOf(pid: number, startTime: bigint): Promise<ExitStatus> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (isSameProcess(pid, startTime)) return;
      clearInterval(timer);
      resolve({ code: null, signal: null });
    }, UNWATCHED_EXIT_POLL_MS);
    timer.unref();
  });
}

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
      const { stdoutPath, stderrPath, cwd } = spec;
      const { pid, exited } = await startDetached({ file, args: argv, cwd, env: spec.env, stdoutPath, stderrPath }).catch((err: LaunchError) => {
        throw new SpawnError(`cannot start ${shell ? "/bin/sh" : command}: ${err.code === "ENOENT" ? "no such file or directory in PATH or cwd" : err.message}`);
      });
      const startTime = processStartTime(pid) ?? 0n;
      let ended = false;
      void exited.then(() => (ended = true));
      return leaderHandle({ pid, startTime, exited, alive: () => !ended });
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
      return leaderHandle({ pid, startTime, exited: exitOf(pid, startTime), alive: () => isSameProcess(pid, startTime) });
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
