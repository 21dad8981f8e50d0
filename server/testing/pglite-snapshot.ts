import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { silentLogger } from "../lib/logger";
import { pgliteFolder } from "../store/database";
import { PrismaClient } from "../store/generated/client";
import { defaultMigrationsDir, migrate } from "../store/migrate";

// A fresh PGlite costs about 2 s of CPU for initdb alone, and the migrations more: test databases
// start from a migrated copy instead, made once per migration set and kept on disk under the temp
// dir, so test files and workers share it. Each is written under a temporary name and renamed, so
// a worker never reads another's half-written copy.

const pglitePackage = path.join(import.meta.dirname, "../../node_modules/@electric-sql/pglite/package.json");
const snapshotsDir = path.join(os.tmpdir(), "gantry-test-pglite");

/** Names a copy by what it is made of: the PGlite release and every migration's SQL. */
function snapshotKey(): string {
  const hash = createHash("sha256").update(fs.readFileSync(pglitePackage));
  for (const name of fs.readdirSync(defaultMigrationsDir).sort()) {
    const file = path.join(defaultMigrationsDir, name, "migration.sql");
    if (fs.existsSync(file)) hash.update(name).update(fs.readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

/** Migrates a fresh PGlite (in `dataDir`, or in memory) and hands it to `keep` before closing it. */
async function withMigrated(dataDir: string | undefined, keep: (pglite: PGlite) => Promise<void>): Promise<void> {
  const pglite = new PGlite(dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  try {
    await migrate(prisma, silentLogger);
    await keep(pglite);
  } finally {
    await prisma.$disconnect();
    await pglite.close();
  }
}

/** `target` made by `make(partialPath)` unless it exists already, then renamed into place. */
async function once(target: string, make: (partial: string) => Promise<void>): Promise<string> {
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(snapshotsDir, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  await make(partial);
  try {
    fs.renameSync(partial, target);
  } catch (err) {
    if (!fs.existsSync(target)) throw err; // another worker made it meanwhile: theirs will do
    fs.rmSync(partial, { recursive: true, force: true });
  }
  removeStale(path.basename(target).split(".")[0]!);
  return target;
}

/** Copies of other migration sets (~80 MB each) untouched for a day: a checkout being tested elsewhere uses its own within that. */
function removeStale(key: string): void {
  for (const name of fs.readdirSync(snapshotsDir)) {
    const file = path.join(snapshotsDir, name);
    if (!name.startsWith(key) && Date.now() - fs.statSync(file).mtimeMs > 24 * 3600_000) fs.rmSync(file, { recursive: true, force: true });
  }
}

let dump: Promise<Blob> | undefined;

/** A dump of a migrated in-memory PGlite, for openDatabase's `inMemoryFrom`. */
export function migratedPgliteSnapshot(): Promise<Blob> {
  dump ??= once(path.join(snapshotsDir, `${snapshotKey()}.tar`), (partial) =>
    withMigrated(undefined, async (pglite) => fs.writeFileSync(partial, Buffer.from(await (await pglite.dumpDataDir("none")).arrayBuffer()))),
  ).then((file) => new Blob([fs.readFileSync(file)]));
  return dump;
}

let template: Promise<string> | undefined;

/**
 * Fills the PGlite data dir a Gantry on `dataDir` with DATABASE_URL `databaseUrl` opens
 * (`<dataDir>/pglite`, or a `pglite:<dir>`) with a migrated database, unless it exists already: the
 * Gantry finds every migration applied, as on its second boot. Nothing for in-memory or PostgreSQL.
 */
export async function seedGantryDatabase(dataDir: string, databaseUrl: string | undefined): Promise<void> {
  const dir = pgliteFolder(databaseUrl, dataDir);
  if (!dir || dir === "memory" || fs.existsSync(dir)) return;
  template ??= once(path.join(snapshotsDir, `${snapshotKey()}.dir`), (partial) => withMigrated(partial, async () => {}));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.cpSync(await template, dir, { recursive: true });
}
