import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../lib/logger";
import type { Prisma } from "./database";

/** Arbitrary constant shared by every Gantry process, so concurrent boots apply migrations one at a time. */
const MIGRATION_LOCK = 4_812_397_215;
const LOCK_TIMEOUT_MS = 120_000;

export const defaultMigrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

/**
 * Applies the committed SQL migrations not yet recorded in `_gantry_migrations`, in name order,
 * each in its own transaction together with its record. Returns the names applied.
 */
export async function migrate(prisma: Prisma, log: Logger, dir = defaultMigrationsDir): Promise<string[]> {
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const options = { maxWait: LOCK_TIMEOUT_MS, timeout: LOCK_TIMEOUT_MS };

  await prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT 1 FROM pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.$executeRawUnsafe(
      `CREATE TABLE IF NOT EXISTS "_gantry_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
  }, options);

  // One read for the usual boot, where everything is applied; each missing one is checked again under the lock.
  const recorded = await prisma.$queryRawUnsafe<Array<{ name: string }>>(`SELECT "name" FROM "_gantry_migrations"`);
  const done = new Set(recorded.map((row) => row.name));
  const applied: string[] = [];
  for (const name of names.filter((n) => !done.has(n))) {
    const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
    const ran = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SELECT 1 FROM pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      const done = await tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM "_gantry_migrations" WHERE "name" = $1`, name);
      if (done.length > 0) return false;
      for (const statement of splitStatements(sql)) await tx.$executeRawUnsafe(statement);
      await tx.$executeRawUnsafe(`INSERT INTO "_gantry_migrations" ("name") VALUES ($1)`, name);
      return true;
    }, options);
    if (ran) {
      applied.push(name);
      log.info({ migration: name }, "applied migration");
    }
  }
  return applied;
}

/** Generated DDL ends every statement with `;` at the end of a line; the drivers run one statement per call. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.replace(/^--.*$/gm, "").trim() !== "");
}
