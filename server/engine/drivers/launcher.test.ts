import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSameProcess, processStat } from "../../lib/proc";
import { tempDir } from "../../testing/gantry";
import { waitFor } from "../../testing/wait";
import { Launcher, type LaunchRequest } from "./launcher";

describe("the launcher of probes' commands", () => {
  const dir = tempDir("launcher");
  const request = (file: string, args: string[], capture = 100): LaunchRequest => ({
    file,
    args,
    cwd: dir,
    env: { PATH: process.env.PATH!, GREETING: "hello from the probe" },
    capture,
  });

  it("runs a command in exactly the given environment and folder, in a session of its own, keeping what it prints up to the limit", async () => {
    const launcher = new Launcher();
    try {
      const run = await launcher.start(request("/bin/sh", ["-c", 'echo "$GREETING [$HOME] in $(pwd)"; echo oops >&2; sleep 0.2; exit 3']));
      expect(processStat(run.pid)?.session).toBe(run.pid);
      expect(await run.exited).toEqual({ code: 3, signal: null, output: `hello from the probe [] in ${fs.realpathSync(dir)}\noops\n` });

      const chatty = await launcher.start(request("/bin/sh", ["-c", "yes | head -c 100000"], 10));
      const { output } = (await chatty.exited)!;
      expect(output.length).toBeGreaterThanOrEqual(10);
      expect(output.length).toBeLessThan(100_000);
    } finally {
      launcher.close();
    }
  });

  it("refuses what cannot start, with the errno code, and goes on starting the rest", async () => {
    const launcher = new Launcher();
    try {
      await expect(launcher.start(request("no-such-program-anywhere", []))).rejects.toMatchObject({ code: "ENOENT" });
      await expect(launcher.start({ ...request("/bin/true", []), cwd: path.join(dir, "missing") })).rejects.toMatchObject({ code: "ENOENT" });
      expect(await (await launcher.start(request("/bin/true", []))).exited).toEqual({ code: 0, signal: null, output: "" });
    } finally {
      launcher.close();
    }
  });

  it("when the launcher itself dies, what it ran keeps running (its end is nobody's to tell), and the next start brings up a new launcher", async () => {
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
      expect(await next.exited).toEqual({ code: null, signal: "SIGKILL", output: "" });
    } finally {
      launcher.close();
    }
  });

  it("ends with Gantry's channel, leaving what it ran running", async () => {
    const launcher = new Launcher();
    const running = await launcher.start(request("sleep", ["30"]));
    const launcherPid = processStat(running.pid)!.ppid;
    launcher.close();
    await waitFor(() => (processStat(launcherPid) === undefined || processStat(launcherPid)?.state === "Z" ? true : undefined), "the launcher gone");
    expect(processStat(running.pid)?.state).not.toBe("Z");
    process.kill(running.pid, "SIGKILL");
  });
});
