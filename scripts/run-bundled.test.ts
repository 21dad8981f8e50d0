import { spawnSync } from "node:child_process";
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

  it("names the TypeScript source of the bundle's frames in stack traces, without Node's source maps for every module", () => {
    const root = tempDir("bundle-stacks");
    fs.mkdirSync(path.join(root, "lib"));
    fs.writeFileSync(path.join(root, "main.ts"), `import { where } from "./lib/where";\nconsole.log(JSON.stringify({ stack: where(), nodeMaps: process.sourceMapsEnabled }));\n`);
    fs.writeFileSync(path.join(root, "lib/where.ts"), `type Unused = string;\n\nexport function where(): Unused {\n  return new Error("here").stack ?? "";\n}\n`);
    const runner = pathToFileURL(path.join(import.meta.dirname, "run-bundled.mjs")).href;
    const runMain = () => spawnSync(process.execPath, ["--input-type=module", "-e", `import { runBundled } from ${JSON.stringify(runner)}; await runBundled("main.ts", ${JSON.stringify(root)});`], { encoding: "utf8" });
    const run = runMain();
    expect(run.stderr).toBe("");
    const { stack, nodeMaps } = JSON.parse(run.stdout) as { stack: string; nodeMaps: boolean };
    const lines = stack.split("\n");
    expect(lines[0]).toBe("Error: here");
    expect(lines[1]).toBe(`    at where (${path.join(root, "lib/where.ts")}:4:10)`);
    expect(lines[2]).toBe(`    at ${path.join(root, "main.ts")}:2:37`);
    expect(nodeMaps).toBe(false);

    // Without its map (removed by hand, say), the bundle's frames are named as they are, and errors still have stacks.
    const bundles = path.join(root, "node_modules/.cache/gantry-bundles/main.ts");
    for (const name of fs.readdirSync(bundles)) if (name.endsWith(".map")) fs.rmSync(path.join(bundles, name));
    const unmapped = runMain();
    expect(unmapped.stderr).toBe("");
    expect((JSON.parse(unmapped.stdout) as { stack: string }).stack.split("\n")[1]).toMatch(/^    at where \(file:\/\/.*\/gantry-bundles\/main\.ts\/\w+\.mjs:\d+:\d+\)$/);
  });
});
