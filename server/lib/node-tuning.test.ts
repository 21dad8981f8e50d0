import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { MALLOC_ENV } from "./malloc-env";

test("npm start runs the main process with the malloc settings its own children get", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8"));
  const prefix = Object.entries(MALLOC_ENV).map(([name, value]) => `${name}=${value}`).join(" ");
  expect(pkg.scripts.start).toBe(`${prefix} node scripts/run-bundled.mjs scripts/start.ts`);
});
