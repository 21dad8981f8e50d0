import { isDeepStrictEqual } from "node:util";
import { rolloutStrategy, type RolloutStrategy } from "../contracts/rollout";
import { instanceTemplate, type InstanceTemplate, type ServiceUpdateInput } from "../contracts/service";
import { AppError } from "../lib/app-error";
import type { SecretBox } from "../lib/secret-box";
import type * as Rows from "../store/generated/client";
import { sealSecrets } from "../store/secret-env";

type Patch = NonNullable<ServiceUpdateInput["patch"]>;

export type InstanceFields = {
  replicas: number;
  /** As it will be stored: secrets sealed, untouched ones in their old sealed form. */
  template: InstanceTemplate;
  templateChanged: boolean;
  strategy: RolloutStrategy;
  /** What changed, in words: replicas, template, rollout strategy. */
  changed: string[];
};

/** An edit made from a version someone else has changed since. */
export const staleVersion = (name: string) => new AppError("CONFLICT", `service ${name} was changed by someone else since you loaded it; reload and try again`);

/** The fields of a patch that decide what instances run, merged over the stored service. */
export function mergeInstanceFields(current: Rows.Service, patch: Patch, secrets: SecretBox): InstanceFields {
  const storedTemplate = instanceTemplate.parse(current.template);
  // Compared as stored (secrets sealed): an untouched secret keeps its sealed form.
  const template = patch.template ? sealSecrets(instanceTemplate.parse({ ...storedTemplate, ...patch.template }), storedTemplate, secrets) : storedTemplate;
  const templateChanged = !isDeepStrictEqual(template, storedTemplate);
  const storedStrategy = rolloutStrategy.parse(current.strategy);
  const strategy = patch.strategy ? mergeStrategy(storedStrategy, patch.strategy) : storedStrategy;
  const replicas = patch.replicas ?? current.replicas;
  const changed = [
    ...(replicas !== current.replicas ? ["replicas"] : []),
    ...(templateChanged ? ["template"] : []),
    ...(!isDeepStrictEqual(strategy, storedStrategy) ? ["rollout strategy"] : []),
  ];
  return { replicas, template, templateChanged, strategy, changed };
}

/** A new revision takes the links the service's edges call for now; a change of anything else keeps them as they are. */
export function withLinks(fields: InstanceFields, links: Record<string, string>): InstanceFields {
  return fields.templateChanged ? { ...fields, template: { ...fields.template, links } } : fields;
}

/** Each field was valid alone; together they may not be (both limits 0). */
function mergeStrategy(stored: RolloutStrategy, patch: Partial<RolloutStrategy>): RolloutStrategy {
  const merged = rolloutStrategy.safeParse({ ...stored, ...patch });
  if (merged.success) return merged.data;
  const issue = merged.error.issues[0]!;
  throw new AppError("BAD_REQUEST", issue.message, ["strategy", ...issue.path].join("."));
}
