import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../server/testing/gantry";
import { descendantsRunning } from "../server/testing/processes";
import { bundle as bundleOf } from "./run-bundled.mjs";

describe("run-bundled", () => {
  it("reuses a bundle while its sources are unchanged, rebuilds when one changes, and keeps import.meta.dirname the source's", async () => {
    const root = tempDir("bundle");
    fs.mkdirSync(path.join(root, "lib"));
    fs.writeFileSync(path.join(root, "main.ts"), `import { where } from "./lib/where";\nexport const answer: string = where();\n`);
    const library = path.join(root, "lib/where.ts");
    fs.writeFileSync(library, `export const where = (): string => "one " + import.meta.dirname;\n`);

    const first = await bundleOf("main.ts", root);
    expect((await import(pathToFileURL(first).href)).answer).toBe(`one ${path.join(root, "lib")}`);
    const builtAt = fs.statSync(first).birthtimeMs;
    expect(await bundleOf("main.ts", root)).toBe(first);
    expect(fs.statSync(first).birthtimeMs).toBe(builtAt); // not written again

    fs.writeFileSync(library, `export const where = (): string => "two " + import.meta.dirname;\n`);
    const second = await bundleOf("main.ts", root);
    expect(second).not.toBe(first);
    expect((await import(pathToFileURL(second).href)).answer).toBe(`two ${path.join(root, "lib")}`);
    // esbuild's service process is gone once a build is done, not resident for the life of Gantry.
    expect(descendantsRunning(process.pid, /esbuild/)).toEqual([]);
  });
});
