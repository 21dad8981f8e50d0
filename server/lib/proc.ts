import fs from "node:fs";

/** What Gantry reads of a process in /proc/<pid>/stat. */
export type ProcessStat = {
  /** R, S, D, T, Z (zombie: exited, not yet reaped by its parent)… */
  state: string;
  ppid: number;
  /** Process group and session ids. */
  pgrp: number;
  session: number;
  /** Start time in clock ticks since boot: with the pid, names this process for good (a recycled pid has another). */
  startTime: bigint;
};

export function processStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3 overall
  const [state, ppid, pgrp, session] = fields;
  const startTime = fields[19]; // field 22
  if (state === undefined || startTime === undefined) return undefined;
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), startTime: BigInt(startTime) };
}

/** Start time of a process (see ProcessStat), or undefined if it is gone. */
export function processStartTime(pid: number): bigint | undefined {
  return processStat(pid)?.startTime;
}

/** True while that exact process runs; a zombie has exited, whether or not its parent has reaped it yet. */
export function isSameProcess(pid: number, startTime: bigint): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== "Z";
}

/** Pids of the live processes of a session (zombies left out), found by reading all of /proc (none without it). */
export function sessionMembers(session: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = processStat(pid);
    if (stat && stat.session === session && stat.state !== "Z") members.push(pid);
  }
  return members;
}

/** Sends a signal to a process group; a group that is gone already is no error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Kills repeat while members remain: one may have forked between a scan and its kill. */
const SESSION_KILL_ROUNDS = 3;

/**
 * SIGKILLs every process of the session a leader (pid + start time) started with setsid: the
 * leader if it is still there, its process group, and the groups its descendants made inside the
 * session. (Only a descendant that started a session of its own gets away.) Safe after the leader
 * is gone: while any process of a session lives, the kernel gives its number to no new process, so
 * a live process under the leader's pid with another start time means the session ended and the
 * number was recycled, and nothing is killed. Never throws: it runs from exit handlers, and a
 * process it may not signal (another user's) is one it cannot end anyway.
 *
 * Finding the other groups takes a read of all of /proc (about 1 ms per 100 processes).
 * `scan: "if-group-left"` skips it when the leader's group was empty already: for leaders that
 * often run and seldom leave anything (an exec probe's command).
 */
export function killSession(leaderPid: number, leaderStartTime: bigint, { scan = "always" }: { scan?: "always" | "if-group-left" } = {}): void {
  for (let round = 0; round < SESSION_KILL_ROUNDS; round++) {
    const holder = processStat(leaderPid);
    if (holder && holder.startTime !== leaderStartTime) return;
    const groupLeft = trySignal(-leaderPid, "SIGKILL"); // the group at once, forks in flight included
    if (round === 0 && !groupLeft && scan === "if-group-left") return;
    const members = sessionMembers(leaderPid);
    if (members.length === 0) return;
    for (const pid of members) trySignal(pid, "SIGKILL");
  }
}

/** Whether the signal reached anything: not if it was gone meanwhile, or not ours to signal. */
function trySignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    return process.kill(target, signal);
  } catch {
    return false;
  }
}
