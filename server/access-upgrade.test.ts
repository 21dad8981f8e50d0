import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "./lib/logger";
import { openDatabase } from "./store/database";
import { defaultMigrationsDir, migrate } from "./store/migrate";
import { apiClient, startTestGantry, tempDir } from "./testing/gantry";

describe("access: upgrading a data dir from before sign-in existed", () => {
  it("boots into the setup step with services and events intact", { timeout: 60_000 }, async () => {
    const dataDir = tempDir("upgrade");
    // The database as Gantry left it before this change: every migration up to (not including) access.
    const before = tempDir("old-migrations");
    for (const name of fs.readdirSync(defaultMigrationsDir).filter((n) => n < "20261201122356_access" && !n.endsWith(".toml"))) {
      fs.cpSync(path.join(defaultMigrationsDir, name), path.join(before, name), { recursive: true });
    }
    const old = await openDatabase(undefined, dataDir);
    await migrate(old.prisma, silentLogger, before);
    await old.prisma.$executeRawUnsafe(
      `INSERT INTO "Service" ("id", "name", "replicas", "template", "updatedAt") VALUES ('6f1c1c2e-8f37-4d6b-9a59-0a5c1b2d3e4f', 'legacy', 0, '{"command":"true"}', now())`,
    );
    await old.prisma.$executeRawUnsafe(`INSERT INTO "Event" ("kind", "actor", "message") VALUES ('service.created', 'api', 'created service legacy')`);
    await old.close();

    const gantry = await startTestGantry({ dataDir, databaseUrl: undefined, demo: true });
    try {
      expect(gantry.setupUrl).toMatch(/\/setup\?token=/);
      const api = apiClient(gantry);
      expect(await api.services.list.query()).toMatchObject([{ name: "legacy", labels: {} }]); // and no demo added
      expect((await api.events.list.query({ actor: "api" })).map((e) => e.message)).toEqual(["created service legacy"]);
    } finally {
      await gantry.stop();
    }
  });
});
