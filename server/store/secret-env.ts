import { hasName } from "../contracts/keys";
import { SECRET_PLACEHOLDER, type InstanceTemplate } from "../contracts/service";
import { AppError } from "../lib/app-error";
import type { SecretBox } from "../lib/secret-box";

function mapSecrets(template: InstanceTemplate, map: (value: string, name: string) => string): InstanceTemplate {
  const secret = new Set(template.secretEnv);
  return { ...template, env: Object.fromEntries(Object.entries(template.env).map(([name, value]) => [name, secret.has(name) ? map(value, name) : value])) };
}

/** What clients get: every secret value replaced by the placeholder. */
export const redactSecrets = (template: InstanceTemplate) => mapSecrets(template, () => SECRET_PLACEHOLDER);

/** What instances are started with: secret values in the clear. */
export const openSecrets = (template: InstanceTemplate, box: SecretBox) => mapSecrets(template, (value) => (box.isSealed(value) ? box.open(value) : value));

/** As openSecrets, or the template as stored when a secret can't be opened (for work that starts nothing). */
export function tryOpenSecrets(template: InstanceTemplate, box: SecretBox): InstanceTemplate {
  try {
    return openSecrets(template, box);
  } catch {
    return template;
  }
}

/** Sealed, a secret grows by a third plus its header; this keeps it under the env value limit. */
const MAX_SECRET_BYTES = 16 * 1024;

/**
 * What gets stored, from what a client sent and what was stored before: the placeholder keeps
 * the stored value; a secret whose value didn't change keeps its sealed form (so saving an
 * untouched form makes no new revision); new secret values are sealed. A secret is never turned
 * into a plain value without its value being typed again.
 */
export function sealSecrets(next: InstanceTemplate, stored: InstanceTemplate | undefined, box: SecretBox): InstanceTemplate {
  /** For comparing only: a stored secret that can't be opened (key changed) counts as different. */
  const revealIfPossible = (sealed: string) => {
    try {
      return box.open(sealed);
    } catch {
      return undefined;
    }
  };
  const secret = new Set(next.secretEnv);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(next.env)) {
    const before = stored && hasName(stored.env, name) ? stored.env[name] : undefined;
    const wasSecret = stored?.secretEnv.includes(name) ?? false;
    const kept = value === SECRET_PLACEHOLDER || value === before;
    if (value === SECRET_PLACEHOLDER && (before === undefined || !wasSecret)) {
      throw new AppError("BAD_REQUEST", `${name} needs a value: ${SECRET_PLACEHOLDER} only keeps a secret that is already stored`, "template.env");
    }
    if (wasSecret && !secret.has(name) && kept) {
      throw new AppError("BAD_REQUEST", `${name} is no longer secret: type its value again (Gantry never reveals a stored secret)`, "template.env");
    }
    const storedSealed = before !== undefined && box.isSealed(before);
    if (!secret.has(name)) env[name] = kept ? before! : value;
    else if (storedSealed && (kept || revealIfPossible(before) === value)) env[name] = before; // untouched: no new revision
    else {
      const plain = kept ? before! : value;
      if (Buffer.byteLength(plain) > MAX_SECRET_BYTES) throw new AppError("BAD_REQUEST", `secret ${name} is too long: at most 16 KiB`, "template.env");
      env[name] = box.seal(plain);
    }
  }
  return { ...next, env };
}
