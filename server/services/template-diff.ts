import { isDeepStrictEqual } from "node:util";
import type { JsonValue, TemplateChange } from "../contracts/rollout";
import { hasName } from "../contracts/keys";
import { SECRET_PLACEHOLDER, type InstanceTemplate } from "../contracts/service";

/**
 * The fields that differ between two stored templates, env and probes entry by entry. Secret
 * values are compared in their sealed form and shown as the placeholder, never in the clear; a
 * name secret in either template, or in `alsoSecret` (the service's current one), counts as
 * secret in both — a value made secret later (rotated after a leak) stays hidden in old ones.
 */
export function diffTemplates(before: InstanceTemplate, after: InstanceTemplate, alsoSecret: readonly string[] = []): TemplateChange[] {
  const changes: TemplateChange[] = [];
  const compare = (path: string, a: unknown, b: unknown) => {
    // Templates are JSON through and through (they are stored as JSON).
    if (!isDeepStrictEqual(a, b)) changes.push({ path, before: (a ?? null) as JsonValue, after: (b ?? null) as JsonValue });
  };
  const secret = new Set([...before.secretEnv, ...after.secretEnv, ...alsoSecret]);
  const valueOf = (template: InstanceTemplate, name: string) => (hasName(template.env, name) ? template.env[name] : undefined);
  const shown = (template: InstanceTemplate, name: string) => (valueOf(template, name) === undefined ? undefined : secret.has(name) ? SECRET_PLACEHOLDER : valueOf(template, name));

  for (const key of Object.keys(after) as (keyof InstanceTemplate)[]) {
    if (key === "env") {
      for (const name of [...new Set([...Object.keys(before.env), ...Object.keys(after.env)])].sort()) {
        if (valueOf(before, name) !== valueOf(after, name)) changes.push({ path: `env.${name}`, before: shown(before, name) ?? null, after: shown(after, name) ?? null });
      }
    } else if (key === "links") {
      const link = (template: InstanceTemplate, name: string) => (hasName(template.links, name) ? template.links[name] : undefined);
      for (const name of [...new Set([...Object.keys(before.links), ...Object.keys(after.links)])].sort()) compare(`links.${name}`, link(before, name), link(after, name));
    } else if (key === "probes") {
      for (const type of Object.keys(after.probes) as (keyof InstanceTemplate["probes"])[]) compare(`probes.${type}`, before.probes[type], after.probes[type]);
    } else {
      compare(key, before[key], after[key]);
    }
  }
  return changes;
}
