import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

it("prisma/migrations produce exactly prisma/schema.prisma (no change without a migration)", () => {
  const result = spawnSync(process.execPath, [path.join(import.meta.dirname, "db-migration.mjs"), "check"], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.stdout).toContain("migrations match prisma/schema.prisma");
  expect(result.status).toBe(0);
});
