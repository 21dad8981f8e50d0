import fs from "node:fs";
import path from "node:path";
import { isSameProcess, processStartTime } from "./proc";

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
}

/**
 * One Gantry per data dir: two would supervise the same processes and, on PGlite, corrupt the
 * database. The lock file names its owner by pid and start time, so a stale lock left by a killed
 * Gantry is taken over even if the pid was reused since.
 */
export function lockDataDir(dataDir: string): () => void {
  // Its database, keys and instance logs are the owner's alone.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  const file = path.join(dataDir, "gantry.lock");
  const owner = { pid: process.pid, startTime: String(processStartTime(process.pid) ?? 0) };
  // Written aside and hard-linked into place: the lock appears atomically, never half-written.
  const draft = `${file}.${process.pid}`;
  fs.writeFileSync(draft, JSON.stringify(owner));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.linkSync(draft, file);
        return () => fs.rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const holder = readOwner(file);
        if (holder && isSameProcess(holder.pid, BigInt(holder.startTime))) {
          throw new DataDirLockedError(`another Gantry (pid ${holder.pid}) is using the data dir ${dataDir}; stop it or set GANTRY_DATA_DIR`);
        }
        fs.rmSync(file, { force: true }); // stale: its owner is gone
      }
    }
  } finally {
    fs.rmSync(draft, { force: true });
  }
  throw new DataDirLockedError(`could not lock the data dir ${dataDir}: another Gantry is starting there`);
}

function readOwner(file: string): { pid: number; startTime: string } | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: unknown; startTime?: unknown };
    if (typeof owner.pid === "number" && typeof owner.startTime === "string") return { pid: owner.pid, startTime: owner.startTime };
  } catch {
    // unreadable: treat as stale
  }
  return undefined;
}
