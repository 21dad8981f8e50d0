import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSameProcess, processStat } from "../../lib/proc";
import { tempDir } from "../../testing/gantry";
import { waitFor } from "../../testing/wait";
import { Launcher, type LaunchRequest } from "./launcher";

describe("the launcher of instances", () => {
  const dir = tempDir("launcher");
  const request = (file: string, args: string[]): LaunchRequest => ({
    file,
    args,
    cwd: dir,
    env: { PATH: process.env.PATH!, GREETING: "hello from the instance" },
    stdoutPath: path.join(dir, "out.log"),
    stderrPath: path.join(dir, "err.log"),
  });

  it("starts a process in exactly the given environment, in a session of its own, appending to its log files, and tells how it ended", async () => {
    const launcher = new Launcher();
    try {
      fs.writeFileSync(path.join(dir, "out.log"), "earlier line\n");
      const { pid, exited } = await launcher.start(request("/bin/sh", ["-c", 'echo "$GREETING [$HOME]"; echo oops >&2; sleep 0.2; exit 3']));
      expect(processStat(pid)?.session).toBe(pid);
      expect(await exited).toEqual({ code: 3, signal: null });
      expect(fs.readFileSync(path.join(dir, "out.log"), "utf8")).toBe("earlier line\nhello from the instance []\n");
      expect(fs.readFileSync(path.join(dir, "err.log"), "utf8")).toBe("oops\n");
      expect(fs.statSync(path.join(dir, "err.log")).mode & 0o777).toBe(0o600);

      const killed = await launcher.start(request("sleep", ["30"]));
      process.kill(killed.pid, "SIGKILL");
      expect(await killed.exited).toEqual({ code: null, signal: "SIGKILL" });
    } finally {
      launcher.close();
    }
  });

  it("refuses what cannot start, with the errno code, and goes on starting the rest", async () => {
    const launcher = new Launcher();
    try {
      await expect(launcher.start(request("no-such-program-anywhere", []))).rejects.toMatchObject({ code: "ENOENT" });
      await expect(launcher.start({ ...request("/bin/true", []), cwd: path.join(dir, "missing") })).rejects.toMatchObject({ code: "ENOENT" });
      expect(await (await launcher.start(request("/bin/true", []))).exited).toEqual({ code: 0, signal: null });
    } finally {
      launcher.close();
    }
  });

  it("when the launcher itself dies, its instances keep running (their end is nobody's to tell), and the next start brings up a new launcher", async () => {
    const launcher = new Launcher();
    try {
      const running = await launcher.start(request("sleep", ["30"]));
      const launcherPid = processStat(running.pid)!.ppid;
      expect(fs.readFileSync(`/proc/${launcherPid}/cmdline`, "utf8")).toContain("launcher-process.mjs");
      process.kill(launcherPid, "SIGKILL");
      expect(await running.exited).toBeUndefined();
      const startTime = processStat(running.pid)!.startTime;
      expect(isSameProcess(running.pid, startTime)).toBe(true);
      process.kill(running.pid, "SIGKILL");

      const next = await launcher.start(request("sleep", ["30"]));
      const nextLauncher = processStat(next.pid)!.ppid;
      expect(nextLauncher).not.toBe(launcherPid);
      expect(fs.readFileSync(`/proc/${nextLauncher}/cmdline`, "utf8")).toContain("launcher-process.mjs");
      process.kill(next.pid, "SIGKILL");
      expect(await next.exited).toEqual({ code: null, signal: "SIGKILL" });
    } finally {
      launcher.close();
    }
  });

  it("ends with Gantry's channel, leaving its instances running", async () => {
    const launcher = new Launcher();
    const running = await launcher.start(request("sleep", ["30"]));
    const launcherPid = processStat(running.pid)!.ppid;
    launcher.close();
    await waitFor(() => (processStat(launcherPid) === undefined || processStat(launcherPid)?.state === "Z" ? true : undefined), "the launcher gone");
    expect(processStat(running.pid)?.state).not.toBe("Z");
    process.kill(running.pid, "SIGKILL");
  });
});
