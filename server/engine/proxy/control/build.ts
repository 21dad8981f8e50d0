import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONTROL_PROTOCOL } from "../types";

/** The data plane's processes start from these files (bundled: control/bundle.ts). */
export const dataPlaneEntries = ["../data-plane-process.ts", "../proxy-worker.ts"].map((entry) => fileURLToPath(new URL(entry, import.meta.url)));

/** Relative imports: `from "./x"`, `import "./x"`, `import("./x")`. */
const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

/** Every file the data plane loads, followed from its entry points: what it runs, exactly. */
export function dataPlaneSources(entries = dataPlaneEntries): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of fs.readFileSync(file, "utf8").matchAll(RELATIVE_IMPORT)) {
      const target = resolveImport(file, specifier!);
      if (target) visit(target);
    }
  };
  entries.forEach(visit);
  return [...seen].sort();
}

/**
 * What a running data plane must match for a Gantry to adopt it rather than replace it: its
 * code, the Node.js running it, the control protocol, and the settings it was started with
 * (worker count, orphan time). Any difference means a handover to a fresh one (gapless), so an
 * upgrade or a changed setting takes effect without an outage, and an unchanged restart keeps it.
 */
export function dataPlaneBuild(settings: { workers: number; orphanMs: number }, code = dataPlaneCode()): string {
  return createHash("sha256").update(`${process.version}\n${CONTROL_PROTOCOL}\n${JSON.stringify(settings)}\n${code}`).digest("hex").slice(0, 16);
}

/** A digest of the data plane's code alone. */
export function dataPlaneCode(): string {
  const hash = createHash("sha256");
  for (const file of dataPlaneSources()) hash.update(fs.readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}
