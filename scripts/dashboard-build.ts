import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
/** Everything the production bundle is built from. */
const inputs = ["app", "components", "server/contracts", "public", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

function newestMtime(target: string): number {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Why the dashboard needs a (re)build, or undefined when the existing one is current. */
export function staleReason(): string | undefined {
  const built = fs.statSync(path.join(root, ".next/BUILD_ID"), { throwIfNoEntry: false });
  if (!built) return "no production build yet";
  const changed = inputs.find((input) => newestMtime(path.join(root, input)) > built.mtimeMs);
  return changed && `${changed} changed since the last build`;
}

/** Runs `next build` when the bundle is missing or older than its sources. Exits on failure. */
export function ensureDashboardBuild(): void {
  const reason = staleReason();
  if (!reason) return;
  console.log(`Building the dashboard (${reason}); this takes about half a minute…`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) {
    console.error("gantry: the dashboard build failed (see above)");
    process.exit(result.status ?? 1);
  }
  console.log(`Dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
