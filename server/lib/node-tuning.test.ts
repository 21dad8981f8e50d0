import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { MAIN_NODE_ARGS, MALLOC_ENV } from "./node-tuning";

test("npm start runs the main process with the malloc settings its own children get, and its V8 settings", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8"));
  const prefix = Object.entries(MALLOC_ENV).map(([name, value]) => `${name}=${value}`).join(" ");
  expect(pkg.scripts.start).toBe(`${prefix} node ${MAIN_NODE_ARGS.join(" ")} scripts/run-bundled.mjs scripts/start.ts`);
});
