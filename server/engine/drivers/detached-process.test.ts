import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processStat } from "../../lib/proc";
import { tempDir } from "../../testing/gantry";
import { startDetached } from "./detached-process";

describe("starting an instance", () => {
  const dir = tempDir("detached");
  const command = (file: string, args: string[]) => ({
    file,
    args,
    cwd: dir,
    env: { PATH: process.env.PATH!, GREETING: "hello from the instance" },
    stdoutPath: path.join(dir, "out.log"),
    stderrPath: path.join(dir, "err.log"),
  });

  it("starts a process in exactly the given environment, in a session of its own, appending to its log files, and tells how it ended", async () => {
    fs.writeFileSync(path.join(dir, "out.log"), "earlier line\n");
    const { pid, exited } = await startDetached(command("/bin/sh", ["-c", 'echo "$GREETING [$HOME]"; echo oops >&2; sleep 0.2; exit 3']));
    expect(processStat(pid)?.session).toBe(pid);
    expect(await exited).toEqual({ code: 3, signal: null });
    expect(fs.readFileSync(path.join(dir, "out.log"), "utf8")).toBe("earlier line\nhello from the instance []\n");
    expect(fs.readFileSync(path.join(dir, "err.log"), "utf8")).toBe("oops\n");
    expect(fs.statSync(path.join(dir, "err.log")).mode & 0o777).toBe(0o600);

    const killed = await startDetached(command("sleep", ["30"]));
    process.kill(killed.pid, "SIGKILL");
    expect(await killed.exited).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("refuses what cannot start, with the errno code, and goes on starting the rest", async () => {
    await expect(startDetached(command("no-such-program-anywhere", []))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(startDetached({ ...command("/bin/true", []), cwd: path.join(dir, "missing") })).rejects.toMatchObject({ code: "ENOENT" });
    await expect(startDetached({ ...command("/bin/true", []), stdoutPath: path.join(dir, "missing", "out.log") })).rejects.toMatchObject({ code: "ENOENT" });
    expect(await (await startDetached(command("/bin/true", []))).exited).toEqual({ code: 0, signal: null });
  });
});
