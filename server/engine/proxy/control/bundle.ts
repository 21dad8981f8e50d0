import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { dataPlaneEntries } from "./build";

/** Shared by every data dir of this installation: one directory per version of the data plane's code. */
const CACHE = fileURLToPath(new URL("../../../../node_modules/.cache/gantry-data-plane", import.meta.url));
/** A bundle unused this long is removed (a data plane still running it has it loaded; only a worker it restarts reads it again). */
const KEEP_MS = 7 * 24 * 3600_000;

/**
 * The data plane's entry points as plain JavaScript, bundled once per version of its code, so its
 * processes run without a TypeScript loader (its loader thread alone is ~35 MB resident in each,
 * and the start is faster). Returns the primary's file; the worker's, `proxy-worker.mjs`, sits
 * beside it, where the primary forks it from.
 */
export function bundledDataPlane(code: string): string {
  const dir = path.join(CACHE, code);
  const primary = path.join(dir, "data-plane-process.mjs");
  if (!fs.existsSync(primary)) {
    // Built aside and renamed into place: a Gantry starting at the same moment sees all of it or none.
    const aside = `${dir}.${process.pid}.tmp`;
    buildSync({ entryPoints: dataPlaneEntries, outdir: aside, bundle: true, platform: "node", format: "esm", target: "node20", outExtension: { ".js": ".mjs" }, logLevel: "error" });
    try {
      fs.renameSync(aside, dir);
    } catch {
      fs.rmSync(aside, { recursive: true, force: true }); // the other one won
    }
  }
  const now = new Date();
  fs.utimesSync(dir, now, now);
  pruneUnused(code);
  return primary;
}

function pruneUnused(current: string): void {
  for (const entry of fs.readdirSync(CACHE, { withFileTypes: true })) {
    const dir = path.join(CACHE, entry.name);
    if (entry.name !== current && Date.now() - fs.statSync(dir).mtimeMs > KEEP_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}
