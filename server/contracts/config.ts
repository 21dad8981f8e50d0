import { z } from "zod";
import type { JsonValue, PlanPreview } from "./rollout";
import { serviceName } from "./service";

/** Secret values for the references in a file, as the applier read them (CLI: its environment and files). */
const secretValues = z
  .object({
    /** fromEnv NAME → value. */
    env: z.record(z.string().max(256), z.string().max(16_384)).default({}),
    /** fromFile path → contents. */
    files: z.record(z.string().max(4096), z.string().max(16_384)).default({}),
  })
  .strict()
  .default({ env: {}, files: {} });

export const configApplyInput = z
  .object({
    yaml: z.string().max(2_000_000, "a gantry.yaml is at most 2 MB"),
    /** Delete services (and external services) that the file doesn't name; with an `alerts` section, its rules and receivers too. */
    prune: z.boolean().default(false),
    /** The file's name, for problems: `gantry.yaml:12:5: …`. */
    file: z.string().trim().min(1).max(1024).default("gantry.yaml"),
    /** A reference with no value keeps the secret already stored under that name. */
    secrets: secretValues,
  })
  .strict();
export type ConfigApplyInput = z.input<typeof configApplyInput>;

export const configExportInput = z
  .object({
    /** Only these (default: every service). */
    services: z.array(serviceName).max(1000).optional(),
    /** Include canvas positions. */
    positions: z.boolean().default(false),
    /** Include the alert rules and receivers. */
    alerts: z.boolean().default(false),
  })
  .strict();
export type ConfigExportInput = z.input<typeof configExportInput>;

export type SecretRef = { fromEnv: string } | { fromFile: string };
/**
 * A secret the file refers to: apply must be given its value unless the service already stores it.
 * For an alert receiver's URL, `service` is "alerts" and `variable` its path (`receivers.<name>.url`).
 */
export type SecretNeed = { service: string; variable: string; ref: SecretRef };

/** One field of a service's file entry that differs: path as written in the file (`env.LOG_LEVEL`). */
export type FieldChange = { path: string; before: JsonValue; after: JsonValue };

export type ServiceKind = "service" | "external";
export type ServiceConfigPlan =
  | { name: string; kind: ServiceKind; action: "created" }
  /** `rollout`: what the engine will do (services run by Gantry whose instances change). */
  | { name: string; kind: ServiceKind; action: "changed"; changes: FieldChange[]; rollout: PlanPreview | null }
  | { name: string; kind: ServiceKind; action: "deleted" }
  | { name: string; kind: ServiceKind; action: "unchanged" };

export type DependencyEdge = { from: string; to: string };

/** Rules or receivers of the file's `alerts` section, by name. */
export type NamedChanges = { created: string[]; changed: string[]; deleted: string[] };
export type AlertsConfigPlan = { rules: NamedChanges; receivers: NamedChanges };

export type ConfigDiff = {
  services: ServiceConfigPlan[];
  dependencies: { added: DependencyEdge[]; removed: DependencyEdge[] };
  external: { added: string[]; removed: string[] };
  /** Null when the file has no `alerts` section (an apply leaves alerts alone). */
  alerts: AlertsConfigPlan | null;
  /** Secrets the file refers to whose values apply was not given (kept if stored; refused if not). */
  secrets: SecretNeed[];
};

export type ConfigApplyResult = ConfigDiff & { changed: boolean };

export type ConfigExport = { yaml: string; secrets: SecretNeed[] };

export type ServiceDrift = {
  name: string;
  /** Whether the service was ever applied from a file. */
  applied: boolean;
  /** Changed on the canvas or through the API since its last apply. */
  changedSinceApply: boolean;
  /** applied → now, as file paths. */
  changes: FieldChange[];
};
