import type { ConfigDiff, SecretNeed, ServiceConfigPlan } from "../contracts/config";
import type { JsonValue } from "../contracts/rollout";

const value = (v: JsonValue) => (v === null ? "(none)" : JSON.stringify(v));
const refOf = (need: SecretNeed) => ("fromEnv" in need.ref ? `fromEnv ${need.ref.fromEnv}` : `fromFile ${need.ref.fromFile}`);

function serviceLines(plan: ServiceConfigPlan): string[] {
  const what = plan.kind === "external" ? " (external)" : "";
  switch (plan.action) {
    case "created":
      return [`+ ${plan.name}${what}: created`];
    case "deleted":
      return [`- ${plan.name}${what}: deleted`];
    case "unchanged":
      return [];
    case "changed": {
      const lines = [`~ ${plan.name}${what}: changed`, ...plan.changes.map((c) => `    ${c.path}: ${value(c.before)} -> ${value(c.after)}`)];
      const r = plan.rollout;
      if (r && (r.starts > 0 || r.stops > 0)) {
        const revision = r.revision ? `revision ${r.revision.from} -> ${r.revision.to}, ` : "";
        lines.push(`    rollout: ${revision}${r.starts} to start, ${r.stops} to stop in ${r.waves.length} wave${r.waves.length === 1 ? "" : "s"}; at most ${r.peak} running, at least ${r.lowestReady} ready`);
      }
      return lines;
    }
  }
}

/** Alert rules and receivers the file creates, changes or (with prune) deletes. */
function alertLines(alerts: ConfigDiff["alerts"]): string[] {
  if (!alerts) return [];
  return (["rules", "receivers"] as const).flatMap((part) => {
    const what = part === "rules" ? "alert rule" : "alert receiver";
    const { created, changed, deleted } = alerts[part];
    return [...created.map((name) => `+ ${what} ${name}`), ...changed.map((name) => `~ ${what} ${name}: changed`), ...deleted.map((name) => `- ${what} ${name}`)];
  });
}

/** True when applying would change something. */
export const hasChanges = (diff: ConfigDiff) =>
  diff.services.some((s) => s.action !== "unchanged") ||
  diff.dependencies.added.length + diff.dependencies.removed.length + diff.external.added.length + diff.external.removed.length + alertLines(diff.alerts).length > 0;

/**
 * What `diff` and `apply` print: `+` created, `~` changed (each field, and the rollout the engine
 * will run), `-` deleted; then edges, external services and secrets whose values weren't given.
 */
export function renderPlan(diff: ConfigDiff): string {
  const lines = diff.services.flatMap(serviceLines);
  for (const e of diff.dependencies.added) lines.push(`+ dependency ${e.from} -> ${e.to}`);
  for (const e of diff.dependencies.removed) lines.push(`- dependency ${e.from} -> ${e.to}`);
  for (const name of diff.external.added) lines.push(`+ external ${name}`);
  for (const name of diff.external.removed) lines.push(`- external ${name}`);
  lines.push(...alertLines(diff.alerts));
  const unchanged = diff.services.filter((s) => s.action === "unchanged").length;
  if (!hasChanges(diff)) lines.push(`no changes${unchanged > 0 ? ` (${unchanged} service${unchanged === 1 ? "" : "s"} as the file says)` : ""}`);
  else if (unchanged > 0) lines.push(`(${unchanged} service${unchanged === 1 ? "" : "s"} unchanged)`);
  for (const need of diff.secrets) lines.push(`! ${need.service}: ${need.variable} (${refOf(need)}) has no value here: the stored one is kept, if there is one`);
  return `${lines.join("\n")}\n`;
}
