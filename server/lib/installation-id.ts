import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./secret-box";

const ID = /^[0-9a-f-]{36}$/;

/**
 * This Gantry's lasting name, kept in its data dir: what it labels the things it runs outside
 * itself with (containers), so that only it adopts or removes them — other Gantrys may share the
 * same Docker daemon. Made on first use; a file that doesn't hold one (hand-edited) is replaced.
 */
export function installationId(dataDir: string): string {
  const file = path.join(dataDir, "installation-id");
  try {
    const id = fs.readFileSync(file, "utf8").trim();
    if (ID.test(id)) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const id = randomUUID();
  writeFileAtomic(file, `${id}\n`);
  return id;
}
