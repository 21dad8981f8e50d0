// Offline migration authoring with Prisma's WASM schema engine (the native CLI engine can't be
// downloaded here). An in-memory PGlite serves as the shadow database.
//   npm run db:migration -- create <name>   writes prisma/migrations/<timestamp>_<name>/migration.sql
//   npm run db:migration -- check           exits 1 when schema.prisma and the migrations disagree
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const schemaPath = path.join(root, "prisma/schema.prisma");
const migrationsDir = path.join(root, "prisma/migrations");

async function loadEngine(schema) {
  // The package's default entry imports the .wasm as a module, which Node can't; load it by hand.
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve("@prisma/schema-engine-wasm").replace(/schema_engine\.js$/, "schema_engine_bg.wasm");
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(new PGlite()));
  return bg.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, (log) => process.env.DEBUG && console.error(log), factory);
}

function migrations() {
  const dirs = fs.existsSync(migrationsDir)
    ? fs.readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: fs.readFileSync(path.join(migrationsDir, "migration_lock.toml"), "utf8") },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((d) => ({
      path: d,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: fs.readFileSync(path.join(migrationsDir, d, "migration.sql"), "utf8") } },
    })),
  };
}

const [command, name] = process.argv.slice(2);
if (command !== "create" && command !== "check") {
  console.error("usage: npm run db:migration -- create <name> | check");
  process.exit(64);
}
if (command === "create" && !/^[a-z0-9_]+$/.test(name ?? "")) {
  console.error("migration name must be lower_snake_case, e.g. `npm run db:migration -- create add_routes`");
  process.exit(64);
}

const schema = fs.readFileSync(schemaPath, "utf8");
const engine = await loadEngine(schema);
const result = await engine.diff({
  from: { tag: "migrations", ...migrations() },
  to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
  script: true,
  exitCode: true,
  filters: { externalTables: [], externalEnums: [] },
});
// With exitCode: true the engine reports 2 when there are changes (its exit code 0 means none).
const changed = result.exitCode === 2;
if (command === "check") {
  if (changed) {
    console.error("prisma/schema.prisma has changes without a migration; run `npm run db:migration -- create <name>`:\n" + result.stdout);
    process.exit(1);
  }
  console.log("migrations match prisma/schema.prisma");
} else if (!changed) {
  console.log("No schema changes.");
} else {
  const dir = path.join(migrationsDir, `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), result.stdout);
  console.log("wrote", path.relative(root, dir) + "/migration.sql");
}
