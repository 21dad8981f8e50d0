import fs from "node:fs";
import path from "node:path";
import { DataDirLockedError, lockDataDir } from "../lib/data-dir-lock";
import { silentLogger } from "../lib/logger";
import { createSecretBox, keyFile, loadPreviousKeys, parseSecretKey, previousKeysFile, SEALED_PREFIX, type SecretBox } from "../lib/secret-box";
import type { Tx } from "./audited-transaction";
import { openDatabase, redact, type Database, type Prisma } from "./database";
import { defaultMigrationsDir, migrate } from "./migrate";

/**
 * Moving a Gantry store between backends (`gantry db copy --from <url> --to <url>`): PGlite ⇄
 * PostgreSQL, or either to itself elsewhere.
 *
 * What it guarantees:
 * - The source is only read: one REPEATABLE READ, READ ONLY transaction, so the copy is one
 *   consistent snapshot even if something writes meanwhile. It is never migrated: a source at an
 *   older schema is refused with what to do (start this Gantry on it once, which migrates at boot);
 *   migrating it here would change the store the operator may want to go back to.
 * - The target is migrated to this Gantry's schema, then filled in one transaction: a failure leaves
 *   it as empty as it was. A target holding any rows is refused unless `force`, which empties it
 *   in that same transaction.
 * - Every table of the schema is copied, found in the database catalog rather than listed here, in
 *   foreign-key order, in pages (keyset on the primary key). Values travel as their PostgreSQL text
 *   form and are cast back to the column's own type, so ids, timestamps, JSON (including JSON null
 *   against SQL NULL), floats and bigints arrive exactly as they were. Sequences (the event ids) are
 *   set to where the source's were.
 * - Secret values stay sealed as they are: the target opens them only with the source's key
 *   (`<data dir>/secret.key` or its GANTRY_SECRET_KEY). The result says how many there are, whether
 *   the key found opens them, and where that key is.
 */


/** Tables a migration fills with defaults (the alert rules): a fresh target holds them and is still empty. */
const SEEDED_BY_MIGRATIONS = new Set(["AlertRule"]);

export type TableCopyProgress = { table: string; copied: number; total: number };

export type CopyStoreOptions = {
  /** Empty a target that already holds rows (in the copy's transaction) instead of refusing it. */
  force?: boolean;
  /** Called when a table starts and after every page. */
  progress?: (progress: TableCopyProgress) => void;
  /** Rows per page read and written; 1,000 unless set. */
  pageSize?: number;
  /**
   * Keys to check sealed secret values against, when the source's key is not in its data dir
   * (e.g. GANTRY_SECRET_KEY, parsed with `parseSecretKey`).
   */
  secretKeys?: Buffer[];
  migrationsDir?: string;
};

export type CopyStoreResult = {
  /** In the order copied, with the rows each received. */
  tables: Array<{ table: string; rows: number }>;
  /** The schema level both stores are at: the last migration's name. */
  migration: string;
  secrets: {
    /** Sealed values copied (every copy of a template counts: services' and revisions'). */
    sealed: number;
    /** How many of them the key(s) found could not open; undefined when no key was found to check with. */
    unreadable?: number;
    /** The source's key file, when the source is a data dir that has one. */
    keyFile?: string;
  };
  /** What the operator must do next, one sentence each (the CLI prints them). */
  notes: string[];
  durationMs: number;
};

/** The copy would lose or mix data, or can't be done as asked: the target got at most the schema, no rows. */
export class StoreCopyRefused extends Error {
  override readonly name = "StoreCopyRefused";
}

/** `Event: 12,000 / 48,210` */
export const formatCopyProgress = ({ table, copied, total }: TableCopyProgress) => `${table}: ${copied.toLocaleString("en-US")} / ${total.toLocaleString("en-US")}`;

const MIGRATIONS_TABLE = "_gantry_migrations";
const DEFAULT_PAGE_SIZE = 1_000;
const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 6 * 60 * 60_000 };
/** The same text forms on both sides, whatever each server's defaults. */
const SESSION_SETTINGS = [`SET LOCAL DateStyle = 'ISO, YMD'`, `SET LOCAL TimeZone = 'UTC'`, `SET LOCAL IntervalStyle = 'postgres'`, `SET LOCAL extra_float_digits = 3`, `SET LOCAL bytea_output = 'hex'`];

export type Column = { name: string; type: string };
export type TableShape = {
  name: string;
  /** Columns written by a copy, in table order (generated columns are left for the target to compute). */
  columns: Column[];
  /** Keyset order for paging; empty when the table has no primary key (paged by ctid then). */
  primaryKey: Column[];
  /** Tables this one's foreign keys point at. */
  references: string[];
  /** Serial/identity columns and their sequences (qualified, quoted as PostgreSQL prints them). */
  sequences: Array<{ column: string; sequence: string }>;
  /** Has GENERATED ALWAYS identity columns: inserting ids needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
};

// ---------------------------------------------------------------------------------------------
// Deciding (pure)
// ---------------------------------------------------------------------------------------------

/**
 * Tables in an order where every table comes after the ones it references. A cycle (including a
 * table referencing itself) can't be filled table by table with the constraints checked, so it is
 * refused rather than half-handled.
 */
export function copyOrder(tables: TableShape[]): TableShape[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const ordered: TableShape[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (table: TableShape, trail: string[]) => {
    if (state.get(table.name) === "done") return;
    if (state.get(table.name) === "visiting") {
      throw new StoreCopyRefused(`tables reference each other in a cycle (${[...trail.slice(trail.indexOf(table.name)), table.name].join(" → ")}): copying them needs deferred constraints, which this copy does not do`);
    }
    state.set(table.name, "visiting");
    for (const name of [...table.references].sort()) {
      const referenced = byName.get(name);
      if (referenced) visit(referenced, [...trail, table.name]);
    }
    state.set(table.name, "done");
    ordered.push(table);
  };
  for (const table of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(table, []);
  return ordered;
}

/** How two catalogs differ, one line per difference; empty when a copy maps column to column. */
export function shapeDifferences(source: TableShape[], target: TableShape[]): string[] {
  const differences: string[] = [];
  const targetByName = new Map(target.map((table) => [table.name, table]));
  for (const table of source) {
    const other = targetByName.get(table.name);
    if (!other) {
      differences.push(`table ${table.name} is only in the source`);
      continue;
    }
    const describe = (columns: Column[]) => columns.map((column) => `${column.name} ${column.type}`).join(", ");
    if (describe(table.columns) !== describe(other.columns)) differences.push(`table ${table.name}: source (${describe(table.columns)}) ≠ target (${describe(other.columns)})`);
  }
  for (const table of target) if (!source.some((s) => s.name === table.name)) differences.push(`table ${table.name} is only in the target`);
  return differences;
}

export type MigrationLevel = { kind: "same" } | { kind: "older"; missing: string[] } | { kind: "newer"; unknown: string[] };

export function migrationLevel(applied: string[], committed: string[]): MigrationLevel {
  const unknown = applied.filter((name) => !committed.includes(name));
  if (unknown.length > 0) return { kind: "newer", unknown };
  const missing = committed.filter((name) => !applied.includes(name));
  return missing.length > 0 ? { kind: "older", missing } : { kind: "same" };
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** A page after `$1` (the previous page's last key as a JSON array of texts, or none for the first). */
export function pageQuery(table: TableShape, first: boolean): string {
  const key = table.primaryKey.length > 0 ? table.primaryKey : [{ name: "ctid", type: "tid" }];
  const keyList = key.map((column) => quote(column.name)).join(", ");
  const after = first ? "" : `WHERE (${keyList}) > (${key.map((column, i) => `(($1::json)->>${i})::${column.type}`).join(", ")})`;
  const texts = [...table.columns, ...key].map((column) => `${quote(column.name)}::text`).join(", ");
  return `SELECT json_agg(ARRAY[${texts}] ORDER BY ${keyList})::text AS "rows" FROM (SELECT ${[...table.columns.map((c) => quote(c.name)), ...(table.primaryKey.length > 0 ? [] : ["ctid"])].join(", ")} FROM ${quote(table.name)} ${after} ORDER BY ${keyList} LIMIT $${first ? 1 : 2}) AS "page"`;
}

/** Inserts a page (`$1`: a JSON array of rows, each an array of texts in column order). */
export function insertStatement(table: TableShape): string {
  const columns = table.columns.map((column) => quote(column.name)).join(", ");
  const values = table.columns.map((column, i) => `("row"->>${i})::${column.type}`).join(", ");
  return `INSERT INTO ${quote(table.name)} (${columns})${table.identityAlways ? " OVERRIDING SYSTEM VALUE" : ""} SELECT ${values} FROM json_array_elements($1::json) AS "rows"("row")`;
}

// ---------------------------------------------------------------------------------------------
// Where the stores are
// ---------------------------------------------------------------------------------------------

type Location = { url: string; label: string; pgliteDir?: string; dataDir?: string };

const isPostgres = (url: string) => /^postgres(ql)?:/.test(url);
const isPgliteDatabase = (dir: string) => fs.existsSync(path.join(dir, "PG_VERSION"));

/**
 * What DATABASE_URL means (`postgres://…`, `pglite:<dir>`), plus: `pglite:<data dir>` when that dir
 * holds `pglite/` (Gantry's default layout). A PGlite folder named `pglite` sits in a data dir,
 * which the copy locks so no Gantry opens it meanwhile.
 */
function locate(url: string, role: "source" | "target"): Location {
  if (isPostgres(url)) return { url, label: redact(url) };
  if (!url.startsWith("pglite:")) throw new StoreCopyRefused(`the ${role} ${JSON.stringify(url)} is neither postgres://… nor pglite:<dir>`);
  const given = path.resolve(url.slice("pglite:".length));
  if (url === "pglite:memory") throw new StoreCopyRefused(`the ${role} can't be pglite:memory: an in-memory store ends with its process`);
  let pgliteDir = given;
  if (!isPgliteDatabase(given) && isPgliteDatabase(path.join(given, "pglite"))) pgliteDir = path.join(given, "pglite");
  else if (!isPgliteDatabase(given)) {
    if (role === "source") throw new StoreCopyRefused(`no Gantry store at ${given}: neither it nor ${path.join(given, "pglite")} is a PGlite database`);
    if (fs.existsSync(given) && fs.readdirSync(given).length > 0) {
      throw new StoreCopyRefused(`the target ${given} is neither a PGlite database nor empty (for a data dir, copy to pglite:${path.join(given, "pglite")})`);
    }
  }
  const dataDir = path.basename(pgliteDir) === "pglite" ? path.dirname(pgliteDir) : undefined;
  return { url: `pglite:${pgliteDir}`, label: `pglite ${pgliteDir}`, pgliteDir, dataDir };
}

function sameStore(a: Location, b: Location): boolean {
  if (a.pgliteDir || b.pgliteDir) return a.pgliteDir === b.pgliteDir;
  const where = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}${parsed.searchParams.get("schema") ?? ""}`;
  };
  return where(a.url) === where(b.url);
}

// ---------------------------------------------------------------------------------------------
// Reading the catalog
// ---------------------------------------------------------------------------------------------

type Queryable = Pick<Prisma, "$queryRawUnsafe">;

async function readShape(db: Queryable): Promise<TableShape[]> {
  const tables = await db.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT c.relname AS "name" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> '${MIGRATIONS_TABLE}' ORDER BY c.relname`,
  );
  const columns = await db.$queryRawUnsafe<Array<{ table: string; name: string; type: string; generated: boolean; identity: string }>>(
    `SELECT c.relname AS "table", a.attname AS "name", format_type(a.atttypid, a.atttypmod) AS "type", a.attgenerated <> '' AS "generated", a.attidentity::text AS "identity"
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`,
  );
  const keys = await db.$queryRawUnsafe<Array<{ table: string; name: string }>>(
    `SELECT c.relname AS "table", a.attname AS "name"
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE n.nspname = current_schema() AND i.indisprimary ORDER BY c.relname, k.position`,
  );
  const references = await db.$queryRawUnsafe<Array<{ table: string; references: string }>>(
    `SELECT DISTINCT c.relname AS "table", r.relname AS "references"
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND k.contype = 'f'`,
  );
  const sequences = await db.$queryRawUnsafe<Array<{ table: string; column: string; sequence: string }>>(
    `SELECT * FROM (
       SELECT c.relname AS "table", a.attname AS "column", pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) AS "sequence"
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
     ) AS s WHERE "sequence" IS NOT NULL`,
  );
  return tables.map(({ name }) => {
    const own = columns.filter((column) => column.table === name);
    const typeOf = (column: string) => own.find((c) => c.name === column)!.type;
    return {
      name,
      columns: own.filter((column) => !column.generated).map((column) => ({ name: column.name, type: column.type })),
      primaryKey: keys.filter((key) => key.table === name).map((key) => ({ name: key.name, type: typeOf(key.name) })),
      references: references.filter((ref) => ref.table === name && ref.references !== name).map((ref) => ref.references),
      sequences: sequences.filter((s) => s.table === name).map(({ column, sequence }) => ({ column, sequence })),
      identityAlways: own.some((column) => column.identity === "a"),
    } satisfies TableShape;
  }).map((table) => {
    const selfReference = references.some((ref) => ref.table === table.name && ref.references === table.name);
    return selfReference ? { ...table, references: [...table.references, table.name] } : table;
  });
}

async function appliedMigrations(db: Queryable): Promise<string[] | undefined> {
  const [exists] = await db.$queryRawUnsafe<Array<{ exists: boolean }>>(`SELECT to_regclass('${MIGRATIONS_TABLE}') IS NOT NULL AS "exists"`);
  if (!exists?.exists) return undefined;
  const rows = await db.$queryRawUnsafe<Array<{ name: string }>>(`SELECT "name" FROM "${MIGRATIONS_TABLE}" ORDER BY "name"`);
  return rows.map((row) => row.name);
}

const committedMigrations = (dir: string) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

const SEALED = new RegExp(`${SEALED_PREFIX}[A-Za-z0-9+/=]+`, "g");

/** Counts the sealed values going by, and checks them against the keys found (if any). */
function secretCheck(keys: Buffer[]) {
  const box: SecretBox | undefined = keys.length > 0 ? createSecretBox(keys) : undefined;
  let sealed = 0;
  let unreadable = 0;
  return {
    scan(page: string) {
      for (const [value] of page.matchAll(SEALED)) {
        sealed++;
        if (!box) continue;
        try {
          box.open(value);
        } catch {
          unreadable++;
        }
      }
    },
    result: () => ({ sealed, unreadable: box ? unreadable : undefined }),
  };
}

function sourceKeys(source: Location, given: Buffer[]): { keys: Buffer[]; keyFile?: string } {
  if (!source.dataDir || !fs.existsSync(keyFile(source.dataDir))) return { keys: given };
  const file = keyFile(source.dataDir);
  return { keys: [parseSecretKey(fs.readFileSync(file, "utf8").trim(), file), ...loadPreviousKeys(source.dataDir, { key: undefined, previous: undefined }), ...given], keyFile: file };
}

function secretNotes(secrets: CopyStoreResult["secrets"], source: Location): string[] {
  if (secrets.sealed === 0) return [];
  const notes: string[] = [];
  const count = `${secrets.sealed.toLocaleString("en-US")} secret value(s) were copied sealed`;
  if (secrets.keyFile) {
    notes.push(`${count} with the key in ${secrets.keyFile}: start Gantry on the target with GANTRY_SECRET_KEY=$(cat ${secrets.keyFile}), or keep GANTRY_DATA_DIR=${source.dataDir} (the key file is read from the data dir)`);
    if (source.dataDir && fs.existsSync(previousKeysFile(source.dataDir))) notes.push(`a key rotation is unfinished: carry ${previousKeysFile(source.dataDir)} over too (or start the source's Gantry once to finish it before copying)`);
  } else notes.push(`${count} with the source Gantry's key: give the Gantry on the target the same GANTRY_SECRET_KEY (or its data dir's secret.key), or they can't be opened`);
  if (secrets.unreadable) notes.push(`${secrets.unreadable} of them do not open with the key found: they were unreadable in the source already, or it used another key`);
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Copying
// ---------------------------------------------------------------------------------------------

async function open(location: Location, role: "source" | "target"): Promise<Database> {
  try {
    return await openDatabase(location.url, location.dataDir ?? ".");
  } catch (err) {
    throw new StoreCopyRefused(`could not open the ${role} ${location.label}: ${(err as Error).message}`);
  }
}

function lockFor(location: Location, role: "source" | "target"): () => void {
  if (!location.dataDir) return () => {};
  try {
    return lockDataDir(location.dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new StoreCopyRefused(`the ${role}'s data dir is in use: ${err.message.split(";")[0]}; stop that Gantry before copying`);
    throw err;
  }
}

async function settle(tx: Tx, statements: string[]) {
  for (const statement of statements) await tx.$executeRawUnsafe(statement);
}

const rowCounts = (tx: Tx, tables: TableShape[]) =>
  Promise.all(
    tables.map(async (table) => {
      const [row] = await tx.$queryRawUnsafe<Array<{ count: string }>>(`SELECT count(*)::text AS "count" FROM ${quote(table.name)}`);
      return { table: table.name, rows: Number(row!.count) };
    }),
  );

/**
 * Copies every table of the store at `from` into the store at `to` (URLs as DATABASE_URL takes
 * them; `pglite:<data dir>` works too). See the top of this file for what it guarantees.
 * Throws StoreCopyRefused, having written no rows, when the copy can't be done as asked.
 */
export async function copyStore(from: string, to: string, options: CopyStoreOptions = {}): Promise<CopyStoreResult> {
  const started = performance.now();
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const source = locate(from, "source");
  const target = locate(to, "target");
  if (sameStore(source, target)) throw new StoreCopyRefused(`the source and the target are the same store (${source.label})`);

  const cleanups: Array<() => unknown> = [];
  try {
    cleanups.push(lockFor(source, "source"));
    cleanups.push(lockFor(target, "target"));
    const committed = committedMigrations(options.migrationsDir ?? defaultMigrationsDir);

    const sourceDb = await open(source, "source");
    cleanups.push(() => sourceDb.close());
    const applied = await appliedMigrations(sourceDb.prisma);
    if (!applied) throw new StoreCopyRefused(`the source ${source.label} holds no Gantry store (no ${MIGRATIONS_TABLE} table)`);
    const level = migrationLevel(applied, committed);
    if (level.kind === "older") {
      throw new StoreCopyRefused(
        `the source ${source.label} is at an older schema (missing ${level.missing.join(", ")}): start this version of Gantry on it once (it migrates at boot), stop it, then copy — the copy never changes its source`,
      );
    }
    if (level.kind === "newer") throw new StoreCopyRefused(`the source ${source.label} was migrated by a newer Gantry (${level.unknown.join(", ")}): copy it with that version`);

    const targetDb = await open(target, "target");
    cleanups.push(() => targetDb.close());
    const targetApplied = (await appliedMigrations(targetDb.prisma)) ?? [];
    const targetLevel = migrationLevel(targetApplied, committed);
    if (targetLevel.kind === "newer") throw new StoreCopyRefused(`the target ${target.label} was migrated by a newer Gantry (${targetLevel.unknown.join(", ")}): copy with that version`);
    await migrate(targetDb.prisma, silentLogger, options.migrationsDir);

    const [sourceShape, targetShape] = await Promise.all([readShape(sourceDb.prisma), readShape(targetDb.prisma)]);
    const differences = shapeDifferences(sourceShape, targetShape);
    if (differences.length > 0) throw new StoreCopyRefused(`the source's tables don't match this Gantry's schema although their migrations do:\n  ${differences.join("\n  ")}`);
    const tables = copyOrder(sourceShape);
    const { keys, keyFile: sourceKeyFile } = sourceKeys(source, options.secretKeys ?? []);
    const secrets = secretCheck(keys);

    const copied = await sourceDb.prisma.$transaction(async (read) => {
      await settle(read, [`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`, ...SESSION_SETTINGS]);
      const totals = await rowCounts(read, tables);
      return targetDb.prisma.$transaction(async (write) => {
        await settle(write, SESSION_SETTINGS);
        const counts = await rowCounts(write, tables);
        const held = counts.filter((count) => count.rows > 0 && !SEEDED_BY_MIGRATIONS.has(count.table));
        if (held.length > 0 && !options.force) {
          throw new StoreCopyRefused(
            `the target ${target.label} already holds ${held.map((count) => `${count.rows.toLocaleString("en-US")} ${count.table}`).join(", ")}: copy into an empty database, or force the copy to replace what it holds`,
          );
        }
        // The source's own rows replace what a migration seeded (and, forced, everything else).
        const emptied = held.length > 0 ? tables : tables.filter((table) => SEEDED_BY_MIGRATIONS.has(table.name));
        if (emptied.length > 0) await write.$executeRawUnsafe(`TRUNCATE ${emptied.map((table) => quote(table.name)).join(", ")} RESTART IDENTITY`);

        for (const [index, table] of tables.entries()) {
          const total = totals[index]!.rows;
          let done = 0;
          options.progress?.({ table: table.name, copied: 0, total });
          let lastKey: string | undefined;
          for (;;) {
            const [page] = lastKey === undefined
              ? await read.$queryRawUnsafe<Array<{ rows: string | null }>>(pageQuery(table, true), pageSize)
              : await read.$queryRawUnsafe<Array<{ rows: string | null }>>(pageQuery(table, false), lastKey, pageSize);
            if (!page?.rows) break;
            const rows = JSON.parse(page.rows) as Array<Array<string | null>>;
            secrets.scan(page.rows);
            await write.$executeRawUnsafe(insertStatement(table), page.rows);
            done += rows.length;
            options.progress?.({ table: table.name, copied: done, total });
            lastKey = JSON.stringify(rows.at(-1)!.slice(table.columns.length));
            if (rows.length < pageSize) break;
          }
          if (done !== total) throw new Error(`${table.name}: read ${done} rows of the ${total} counted in the same snapshot`);
          for (const { column, sequence } of table.sequences) {
            const [state] = await read.$queryRawUnsafe<Array<{ value: string; called: boolean }>>(`SELECT last_value::text AS "value", is_called AS "called" FROM ${sequence}`);
            await write.$queryRawUnsafe(
              `SELECT setval($1::regclass, GREATEST($2::bigint, COALESCE(MAX(${quote(column)}), 0)), $3::boolean OR COALESCE(MAX(${quote(column)}), 0) > $2::bigint)::text FROM ${quote(table.name)}`,
              sequence,
              state!.value,
              state!.called,
            );
          }
        }
        const written = await rowCounts(write, tables);
        const short = written.filter((count, i) => count.rows !== totals[i]!.rows);
        if (short.length > 0) throw new Error(`the target's row counts differ after the copy: ${short.map((count) => count.table).join(", ")}`);
        return written;
      }, TRANSACTION_OPTIONS);
    }, TRANSACTION_OPTIONS);

    const secretResult = { ...secrets.result(), ...(sourceKeyFile ? { keyFile: sourceKeyFile } : {}) };
    const notes = secretNotes(secretResult, source);
    if (target.pgliteDir && target.dataDir) notes.push(`start Gantry on the copy with GANTRY_DATA_DIR=${target.dataDir} (and DATABASE_URL unset)`);
    else if (target.pgliteDir) notes.push(`start Gantry on the copy with DATABASE_URL=${target.url}`);
    else notes.push(`start Gantry on the copy with DATABASE_URL set to the target's URL`);
    return { tables: copied, migration: committed.at(-1) ?? "", secrets: secretResult, notes, durationMs: Math.round(performance.now() - started) };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
