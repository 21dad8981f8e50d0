import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { PrismaClient } from "./generated/client";

export type Prisma = PrismaClient;

export type Database = {
  prisma: PrismaClient;
  /** For logs: which backend, never credentials. */
  description: string;
  close(): Promise<void>;
};

export type OpenDatabaseOptions = {
  /**
   * For `pglite:memory`: a PGlite data-dir dump (`dumpDataDir`) to start from instead of a fresh
   * cluster. Tests start from one already migrated: initdb alone costs about 2 s of CPU a boot.
   */
  inMemoryFrom?: Blob;
};

/** Where `openDatabase(url, dataDir)` keeps PGlite: an absolute folder, "memory", or undefined for PostgreSQL. */
export function pgliteFolder(url: string | undefined, dataDir: string): string | undefined {
  if (url && /^postgres(ql)?:/.test(url)) return undefined;
  const target = url?.startsWith("pglite:") ? url.slice("pglite:".length) : path.join(dataDir, "pglite");
  return target === "memory" ? target : path.resolve(target);
}

/**
 * `postgres://…` → a real server through the pg adapter; unset → embedded PGlite persisted
 * under `<dataDir>/pglite`; `pglite:<dir>` → PGlite in that folder; `pglite:memory` → in memory.
 */
export async function openDatabase(url: string | undefined, dataDir: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  // Each backend's driver is loaded only when used: PGlite alone is tens of MB of WASM.
  const folder = pgliteFolder(url, dataDir);
  if (folder === undefined) {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    await prisma.$connect();
    return { prisma, description: `postgresql ${redact(url!)}`, close: () => prisma.$disconnect() };
  }
  const inMemory = folder === "memory";
  if (!inMemory) prepareFolder(folder, url ? "DATABASE_URL" : "GANTRY_DATA_DIR");
  liftoffOnly();
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import("@electric-sql/pglite"), import("pglite-prisma-adapter")]);
  const pglite = inMemory
    ? new PGlite({ startParams: pgliteStartParams, loadDataDir: options.inMemoryFrom })
    : new PGlite(folder, { startParams: pgliteStartParams });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  // Connecting loads Prisma's query compiler (WASM, 0.3–0.4 s of a warm start), as the first query
  // otherwise would: started while PGlite starts, and part of opening, as on PostgreSQL.
  const connected = prisma.$connect();
  connected.catch(() => {}); // if PGlite cannot start, its own error is the one to report
  await pglite.waitReady.catch((err: unknown) => {
    // PGlite's own words name no folder, and some are its file system's bare errno ({ errno: 54 }).
    throw new Error(`the embedded database ${inMemory ? "in memory" : `in ${folder}`} could not start: ${describe(err)}`);
  });
  await connected;
  return {
    prisma,
    description: inMemory ? "pglite (in memory)" : `pglite ${folder}`,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/**
 * WebAssembly compiled by V8's baseline compiler (Liftoff) only, never optimized again by TurboFan:
 * before any module is compiled (PGlite's Postgres, Prisma's query compiler), so the whole process
 * agrees. The optimizing tier held ~85 MB more (its compilations of Postgres' functions), while
 * Gantry's queries ran no faster: 0.35–0.47 ms for a small select and 0.25 ms for an insert either
 * way after 10 s of queries, and up to 40 % faster with Liftoff alone before that (issue 22). A
 * process-wide V8 flag, so only when PGlite is the database.
 */
function liftoffOnly(): void {
  v8.setFlagsFromString("--liftoff-only");
}

/** PGlite's folder, made if missing; an unusable one is named with the reason, before PGlite's bare errno could be all that is said. */
function prepareFolder(folder: string, chosenBy: string): void {
  const problem = folderProblem(folder);
  if (problem) throw new Error(`the embedded database cannot live in ${folder}: ${problem} (${chosenBy} sets where it lives)`);
}

function folderProblem(folder: string): string | undefined {
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.accessSync(folder, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    return undefined;
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === "EEXIST" || code === "ENOTDIR") return "a file is where its folder should be";
    if (code === "EACCES" || code === "EPERM") return "this user may not read and write there";
    return message;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message || err.name : (JSON.stringify(err) ?? String(err));
}

/**
 * PGlite's defaults plus a smaller shared buffer pool: Gantry's data is a few MB, and PostgreSQL's
 * default 128 MB pool would be resident memory inside the WASM heap (≈120 MB more RSS at idle).
 */
const pgliteStartParams = [
  ...["--single", "-F", "-O", "-j", "-c", "search_path=public", "-c", "exit_on_error=false", "-c", "log_checkpoints=false"],
  ...["-c", "max_worker_processes=0", "-c", "max_parallel_workers=0", "-c", "max_parallel_workers_per_gather=0"],
  ...["-c", "io_method=sync", "-c", "max_parallel_maintenance_workers=0", "-c", "shared_buffers=16MB"],
];

/** The URL with its password masked, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgresql (unparseable URL)";
  }
}
