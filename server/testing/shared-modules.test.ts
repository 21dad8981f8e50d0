import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import config from "../../vitest.config";

const root = path.resolve(import.meta.dirname, "../..");
/** The folders vitest takes test files from: the first part of each of its include globs. */
const testRoots = [...new Set((config.test?.include ?? []).map((glob) => glob.split("/")[0]!))];

/** What would leak from one test file into the next: the files of a vitest worker share its modules (vitest.config.ts, isolate: false). */
const leaks = [
  { what: "mocks a module", pattern: /\bvi\.(mock|doMock)\(/ },
  { what: "stubs a global or the environment", pattern: /\bvi\.(stubGlobal|stubEnv)\(/ },
  { what: "changes process.env", pattern: /process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|delete process\.env/ },
  { what: "changes the working directory", pattern: /process\.chdir\(/ },
];

const testFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));

describe("test files sharing a worker's modules", () => {
  it("none mocks a module, stubs a global or changes process.env or the working directory", () => {
    const self = path.join(import.meta.dirname, "shared-modules.test.ts");
    const files = testRoots.flatMap((dir) => testFiles(path.join(root, dir))).filter((file) => file !== self);
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => {
      const text = fs.readFileSync(file, "utf8");
      return leaks.filter(({ pattern }) => pattern.test(text)).map(({ what }) => `${path.relative(root, file)} ${what}`);
    });
    expect(found).toEqual([]);
  });
});
