import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/gantry";
import { openDatabase, pgliteFolder } from "./database";

describe("opening the embedded database", () => {
  it("keeps PGlite in the data dir by default, where a pglite: URL says, or nowhere for PostgreSQL", () => {
    expect(pgliteFolder(undefined, "data")).toBe(path.resolve("data/pglite"));
    expect(pgliteFolder("pglite:/srv/db", "data")).toBe("/srv/db");
    expect(pgliteFolder("pglite:memory", "data")).toBe("memory");
    expect(pgliteFolder("postgresql://root@127.0.0.1/test", "data")).toBeUndefined();
  });

  it("makes its folder on a first start, and the data is there at the next", { timeout: 60_000 }, async () => {
    const dataDir = path.join(tempDir("database-first"), "not-yet");
    const first = await openDatabase(undefined, dataDir);
    await first.prisma.$executeRawUnsafe("CREATE TABLE kept (note text)");
    await first.prisma.$executeRawUnsafe("INSERT INTO kept VALUES ('still here')");
    await first.close();
    const second = await openDatabase(undefined, dataDir);
    try {
      expect(await second.prisma.$queryRawUnsafe("SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    } finally {
      await second.close();
    }
  });

  it("names the folder when a file stands in its place, and leaves the file alone", async () => {
    const dataDir = tempDir("database-file");
    fs.writeFileSync(path.join(dataDir, "pglite"), "someone's notes");
    await expect(openDatabase(undefined, dataDir)).rejects.toThrow(`the embedded database cannot live in ${path.join(dataDir, "pglite")}: a file is where its folder should be`);
    expect(fs.readFileSync(path.join(dataDir, "pglite"), "utf8")).toBe("someone's notes");
  });

  it("names the folder when PGlite cannot start from what is in it", { timeout: 60_000 }, async () => {
    const folder = path.join(tempDir("database-junk"), "db");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "PG_VERSION"), "not a version\n");
    await expect(openDatabase(`pglite:${folder}`, "/nonexistent")).rejects.toThrow(`the embedded database in ${folder} could not start: `);
    expect(fs.readFileSync(path.join(folder, "PG_VERSION"), "utf8")).toBe("not a version\n");
  });
});
