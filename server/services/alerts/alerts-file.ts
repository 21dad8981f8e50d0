import { isDeepStrictEqual } from "node:util";
import { alertRuleSpec, receiverUrl } from "../../contracts/alerts";
import type { AlertsConfigPlan, SecretNeed } from "../../contracts/config";
import { isSecretRef, type FileAlertRule, type FileAlerts, type FileReceiver, type SecretRef } from "../../config/schema";
import { newId } from "../../lib/ids";
import type { SecretBox } from "../../lib/secret-box";
import type { Recorder, Tx } from "../../store/audited-transaction";
import type { Prisma } from "../../store/database";
import type * as Rows from "../../store/generated/client";

// gantry.yaml's `alerts` section against the store: rules and receivers by name. A receiver's URL
// given by reference comes from what the applier sent; without a value, a stored one is kept.

export type StoredAlerts = { rules: Rows.AlertRule[]; receivers: Rows.AlertReceiver[] };
type SecretValues = { env: Record<string, string>; files: Record<string, string> };
type Problem = { path: Array<string | number>; message: string };

export async function loadStoredAlerts(db: Tx | Prisma): Promise<StoredAlerts> {
  const [rules, receivers] = await Promise.all([db.alertRule.findMany({ orderBy: { name: "asc" } }), db.alertReceiver.findMany({ orderBy: { name: "asc" } })]);
  return { rules, receivers };
}

/** A stored rule as its file entry (every default filled in); undefined for a spec that no longer reads. */
function fileRuleOf(row: Rows.AlertRule): FileAlertRule | undefined {
  const parsed = alertRuleSpec.safeParse(row.spec);
  if (!parsed.success) return undefined;
  const { name: _name, ...entry } = parsed.data;
  return entry as FileAlertRule;
}

/** The variable an export names for a receiver's secret URL: `ops-slack` → OPS_SLACK_WEBHOOK_URL. */
const urlVariable = (name: string) => `${name.toUpperCase().replace(/-/g, "_")}_WEBHOOK_URL`;

/** The store's rules and receivers as the file's section; a sealed URL becomes a reference. */
export function fileAlertsOf(stored: StoredAlerts, secrets: SecretBox): FileAlerts {
  const rules: Record<string, FileAlertRule> = {};
  for (const row of stored.rules) {
    const entry = fileRuleOf(row);
    if (entry) rules[row.name] = entry;
  }
  const receivers: Record<string, FileReceiver> = {};
  for (const row of stored.receivers) {
    const url = secrets.isSealed(row.url) ? { fromEnv: urlVariable(row.name) } : row.url;
    receivers[row.name] = { kind: row.kind as FileReceiver["kind"], url, enabled: row.enabled };
  }
  return { rules, receivers };
}

/** The secrets a section refers to (receivers' URLs), named as the CLI reports them. */
export const alertSecretNeeds = (section: FileAlerts): SecretNeed[] =>
  Object.entries(section.receivers).flatMap(([name, receiver]) => (isSecretRef(receiver.url) ? [{ service: "alerts", variable: `receivers.${name}.url`, ref: receiver.url as SecretRef }] : []));

/** What applying the section does, and the URL each receiver gets (undefined: keep the stored one). */
export type AlertsDecision = { plan: AlertsConfigPlan; urls: Map<string, string | undefined>; missing: SecretNeed[]; problems: Problem[] };

export function decideAlerts(section: FileAlerts, stored: StoredAlerts, values: SecretValues, prune: boolean, secrets: SecretBox): AlertsDecision {
  const decision: AlertsDecision = { plan: { rules: { created: [], changed: [], deleted: [] }, receivers: { created: [], changed: [], deleted: [] } }, urls: new Map(), missing: [], problems: [] };
  const storedRules = new Map(stored.rules.map((row) => [row.name, row]));
  for (const [name, entry] of Object.entries(section.rules)) {
    const row = storedRules.get(name);
    if (!row) decision.plan.rules.created.push(name);
    else if (!isDeepStrictEqual(fileRuleOf(row), entry)) decision.plan.rules.changed.push(name);
  }
  const storedReceivers = new Map(stored.receivers.map((row) => [row.name, row]));
  for (const [name, entry] of Object.entries(section.receivers)) {
    const row = storedReceivers.get(name);
    const url = urlOf(name, entry, values, decision);
    decision.urls.set(name, url);
    if (!row) {
      if (url === undefined && isSecretRef(entry.url)) {
        const source = "fromEnv" in entry.url ? `the environment variable ${entry.url.fromEnv}` : `the file ${entry.url.fromFile}`;
        decision.missing.push({ service: "alerts", variable: `receivers.${name}.url`, ref: entry.url });
        decision.problems.push({ path: ["alerts", "receivers", name, "url"], message: `${name}'s URL is a secret Gantry doesn't have yet: apply needs ${source}` });
      }
      decision.plan.receivers.created.push(name);
      continue;
    }
    const storedUrl = secrets.isSealed(row.url) ? openOrUndefined(secrets, row.url) : row.url;
    const urlChanged = url !== undefined && url !== storedUrl;
    if (row.kind !== entry.kind || row.enabled !== entry.enabled || urlChanged) decision.plan.receivers.changed.push(name);
  }
  if (prune) {
    decision.plan.rules.deleted = stored.rules.filter((row) => !Object.hasOwn(section.rules, row.name)).map((row) => row.name);
    decision.plan.receivers.deleted = stored.receivers.filter((row) => !Object.hasOwn(section.receivers, row.name)).map((row) => row.name);
  }
  return decision;
}

function urlOf(name: string, entry: FileReceiver, values: SecretValues, decision: AlertsDecision): string | undefined {
  const supplied = !isSecretRef(entry.url) ? entry.url : "fromEnv" in entry.url ? values.env[entry.url.fromEnv] : values.files[entry.url.fromFile];
  if (supplied === undefined) return undefined;
  const checked = receiverUrl.safeParse(supplied);
  if (checked.success) return checked.data;
  // The value itself is a secret: say what is wrong, never what it is.
  decision.problems.push({ path: ["alerts", "receivers", name, "url"], message: `${name}'s URL ${checked.error.issues[0]!.message.replace(/^url /, "")}` });
  return undefined;
}

function openOrUndefined(secrets: SecretBox, sealed: string): string | undefined {
  try {
    return secrets.open(sealed);
  } catch {
    return undefined;
  }
}

/** Writes what `decision` says, with an event per rule and receiver it touched. */
export async function applyAlerts(tx: Tx, record: Recorder, section: FileAlerts, decision: AlertsDecision, secrets: SecretBox): Promise<void> {
  const { rules, receivers } = decision.plan;
  const note = (kind: string, message: string, data: Record<string, string>) => record.event({ kind, message, data });
  for (const name of rules.deleted) {
    await tx.alertRule.delete({ where: { name } });
    await note("alert.rule-deleted", `alert rule ${name} deleted`, { rule: name });
  }
  for (const name of receivers.deleted) {
    await tx.alertReceiver.delete({ where: { name } });
    await note("alert.receiver-deleted", `alert receiver ${name} deleted`, { receiver: name });
  }
  for (const name of [...rules.created, ...rules.changed]) {
    const spec = { ...section.rules[name]!, name };
    await tx.alertRule.upsert({ where: { name }, create: { id: newId(), name, spec }, update: { spec } });
    const created = rules.created.includes(name);
    await note(created ? "alert.rule-created" : "alert.rule-updated", `alert rule ${name} ${created ? "created" : "updated"} (${spec.kind})`, { rule: name });
  }
  for (const name of [...receivers.created, ...receivers.changed]) {
    const entry = section.receivers[name]!;
    const url = decision.urls.get(name);
    const stored = url === undefined ? undefined : entry.kind === "slack" ? secrets.seal(url) : url;
    const fields = { kind: entry.kind, enabled: entry.enabled, ...(stored !== undefined ? { url: stored } : {}) };
    await tx.alertReceiver.upsert({ where: { name }, create: { id: newId(), name, url: stored!, kind: entry.kind, enabled: entry.enabled }, update: fields });
    const created = receivers.created.includes(name);
    await note(created ? "alert.receiver-created" : "alert.receiver-updated", `alert receiver ${name} ${created ? "created" : "updated"} (${entry.kind})`, { receiver: name });
  }
}
