import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../testing/wait";
import { isSameProcess, killSession, processStat, processStartTime, sessionMembers } from "./proc";

const leaders: number[] = [];
afterEach(() => {
  for (const pid of leaders.splice(0)) killSession(pid, processStartTime(pid) ?? 0n);
});

/** A session leader with 2 children in its group and 2 in groups of their own; resolves once all 5 run, in their 3 groups. */
async function sessionWithChildren(): Promise<{ pid: number; startTime: bigint }> {
  const script = `sleep 60 & sleep 60 & for i in 1 2; do perl -e 'setpgrp(0, 0); exec "sleep", "60"' & done; wait`;
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore" });
  const pid = child.pid!;
  leaders.push(pid);
  // A forked child is a member before it runs setpgrp: wait for the groups too.
  const groups = () => new Set(sessionMembers(pid).map((member) => processStat(member)?.pgrp)).size;
  await waitFor(() => (sessionMembers(pid).length === 5 && groups() === 3 ? true : undefined), "the session's 5 processes in 3 groups");
  return { pid, startTime: processStartTime(pid)! };
}

describe("killSession", () => {
  it("kills the leader, its group, and the groups made inside its session", async () => {
    const { pid, startTime } = await sessionWithChildren();
    expect(new Set(sessionMembers(pid).map((member) => processStat(member)!.pgrp)).size).toBe(3);
    killSession(pid, startTime);
    await waitFor(() => (sessionMembers(pid).length === 0 ? true : undefined), "no process left in the session", 2000);
    expect(isSameProcess(pid, startTime)).toBe(false);
  });

  it("leaves a session alone when the pid names a process of another start time (a recycled pid)", async () => {
    const { pid, startTime } = await sessionWithChildren();
    killSession(pid, startTime - 1n);
    await new Promise((r) => setTimeout(r, 100));
    expect(sessionMembers(pid)).toHaveLength(5);
  });

  it("is no error for a session that is gone", () => {
    expect(() => killSession(2 ** 22 + 1, 1n)).not.toThrow(); // above any pid_max: no such process
  });
});
