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

/**
 * What gets stored, from what a client sent and what was stored before: the placeholder keeps
 * the stored value; a secret whose value didn't change keeps its sealed form (so saving an
 * untouched form makes no new revision); new secret values are sealed.
 */
export function sealSecrets(next: InstanceTemplate, stored: InstanceTemplate | undefined, box: SecretBox): InstanceTemplate {
  const reveal = (value: string) => (box.isSealed(value) ? box.open(value) : value);
  const secret = new Set(next.secretEnv);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(next.env)) {
    const before = stored?.env[name];
    if (value === SECRET_PLACEHOLDER && (before === undefined || !stored?.secretEnv.includes(name))) {
      throw new AppError("BAD_REQUEST", `${name} needs a value: ${SECRET_PLACEHOLDER} only keeps a secret that is already stored`, "template.env");
    }
    const plain = value === SECRET_PLACEHOLDER || value === before ? reveal(before!) : value;
    if (!secret.has(name)) env[name] = plain;
    else env[name] = before !== undefined && box.isSealed(before) && reveal(before) === plain ? before : box.seal(plain);
  }
  return { ...next, env };
}
