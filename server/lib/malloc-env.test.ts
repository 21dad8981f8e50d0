import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { mallocEnvPrefix } from "./malloc-env";

test("npm start runs the main process with the malloc settings its own children get", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8"));
  expect(pkg.scripts.start).toBe(`${mallocEnvPrefix()} node scripts/run-bundled.mjs scripts/start.ts`);
});
