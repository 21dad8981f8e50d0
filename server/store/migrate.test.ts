import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../lib/logger";
import { testBackends, type TestDatabase } from "../testing/databases";
import { openDatabase, type Database } from "./database";
import { defaultMigrationsDir, migrate, splitStatements } from "./migrate";

describe("splitStatements", () => {
  it("splits generated DDL at line-ending semicolons and drops comment-only chunks", () => {
    const sql = `-- CreateTable\nCREATE TABLE "A" (\n  "x" TEXT DEFAULT 'a;b'\n);\n\n-- CreateIndex\nCREATE INDEX "i" ON "A"("x");\n-- trailing\n`;
    expect(splitStatements(sql)).toEqual([`-- CreateTable\nCREATE TABLE "A" (\n  "x" TEXT DEFAULT 'a;b'\n)`, `-- CreateIndex\nCREATE INDEX "i" ON "A"("x")`]);
  });
});

const committed = fs.readdirSync(defaultMigrationsDir).filter((name) => fs.statSync(path.join(defaultMigrationsDir, name)).isDirectory());

describe.each(testBackends())("migrate on $name", (backend) => {
  const opened: Array<Database | TestDatabase> = [];
  afterAll(async () => {
    for (const item of opened.reverse()) "prisma" in item ? await item.close() : await item.drop();
  });

  const open = async (url: string) => {
    const db = await openDatabase(url, os.tmpdir());
    opened.push(db);
    return db;
  };

  it("applies every committed migration once, then nothing", async () => {
    const target = await backend.create();
    opened.push(target);
    const db = await open(target.url);
    expect(await migrate(db.prisma, silentLogger)).toEqual(committed);
    expect(await migrate(db.prisma, silentLogger)).toEqual([]);
    expect(await db.prisma.service.count()).toBe(0);
  });

  it("rolls back a failing migration entirely and records nothing", async () => {
    const target = await backend.create();
    opened.push(target);
    const db = await open(target.url);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-migrations-"));
    fs.mkdirSync(path.join(dir, "001_ok"));
    fs.writeFileSync(path.join(dir, "001_ok/migration.sql"), `CREATE TABLE "Ok" ("id" INT);\n`);
    fs.mkdirSync(path.join(dir, "002_broken"));
    fs.writeFileSync(path.join(dir, "002_broken/migration.sql"), `CREATE TABLE "Half" ("id" INT);\nSELECT no_such_function();\n`);
    await expect(migrate(db.prisma, silentLogger, dir)).rejects.toThrow();
    const tables = await db.prisma.$queryRawUnsafe<Array<{ tablename: string }>>(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`);
    expect(tables.map((t) => t.tablename).sort()).toEqual(["Ok", "_gantry_migrations"]);
    const applied = await db.prisma.$queryRawUnsafe<Array<{ name: string }>>(`SELECT name FROM "_gantry_migrations"`);
    expect(applied.map((r) => r.name)).toEqual(["001_ok"]);
  });

  it.runIf(backend.name === "postgresql")("is safe when two processes boot at once", async () => {
    const target = await backend.create();
    opened.push(target);
    const [a, b] = [await open(target.url), await open(target.url)];
    const [appliedA, appliedB] = await Promise.all([migrate(a.prisma, silentLogger), migrate(b.prisma, silentLogger)]);
    expect([...appliedA, ...appliedB].sort()).toEqual(committed);
  });
});
