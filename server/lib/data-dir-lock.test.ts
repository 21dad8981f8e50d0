import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/gantry";
import { DataDirLockedError, lockDataDir } from "./data-dir-lock";

describe("lockDataDir", () => {
  it("lets one Gantry hold a data dir at a time and frees it on release", () => {
    const dir = tempDir("lock");
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(`another Gantry (pid ${process.pid}) is using the data dir ${dir}`);
    release();
    lockDataDir(dir)();
  });

  it("keeps the data dir to its owner (0700), even one made before with looser permissions", () => {
    const dir = tempDir("lock-mode");
    fs.chmodSync(dir, 0o755);
    lockDataDir(dir)();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const fresh = path.join(dir, "nested", "data");
    lockDataDir(fresh)();
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
  });

  it("takes over a lock whose owner is gone", () => {
    const dir = tempDir("stale");
    const dead = spawnSync("true").pid!;
    fs.writeFileSync(path.join(dir, "gantry.lock"), JSON.stringify({ pid: dead, startTime: "1" }));
    lockDataDir(dir)();
  });

  it("takes over a lock whose pid was reused by another process", () => {
    const dir = tempDir("reused");
    // Our own pid, but a start time that isn't ours: the recorded owner is a different, dead process.
    fs.writeFileSync(path.join(dir, "gantry.lock"), JSON.stringify({ pid: process.pid, startTime: "1" }));
    lockDataDir(dir)();
  });
});
