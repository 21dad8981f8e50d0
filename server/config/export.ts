import { isDeepStrictEqual } from "node:util";
import { stringify } from "yaml";
import type { JsonValue } from "../contracts/rollout";
import type { InstanceTemplate, Position } from "../contracts/service";
import type { RolloutStrategy } from "../contracts/rollout";
import { autoscaleSettings, type AutoscaleSettings } from "../contracts/autoscale";
import type { TrafficSettings } from "../contracts/traffic";
import { route as routeSchema } from "../contracts/traffic";
import { probe as probeSchema, type Probe } from "../contracts/probe";
import {
  CONFIG_VERSION,
  EXTERNAL_DEFAULTS,
  fileServiceFields,
  SERVICE_DEFAULTS,
  isSecretRef,
  type EnvValue,
  type FileAlerts,
  type FileExternalService,
  type FileService,
  type FileTraffic,
  type SecretRef,
} from "./schema";
import type { FieldChange, SecretNeed } from "../contracts/config";

// From the store to the file: pure functions over what a service holds. The normalized form
// (every default filled in) is what diffs and drift compare; the compact form (defaults left out,
// keys in a fixed order) is what is written, so export → parse → export gives the same bytes.

/** What the store holds of a service, as far as a file can say it. */
export type StoredService = {
  name: string;
  external: boolean;
  replicas: number;
  template: InstanceTemplate;
  traffic: TrafficSettings;
  strategy: RolloutStrategy;
  autoscale: AutoscaleSettings | null;
  labels: Record<string, string>;
  listenPort: number | null;
  listenPortPinned: boolean;
  position: Position | null;
  /** The compact spec last applied from a file, if any. */
  appliedSpec: unknown;
};


const sortedRecord = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The references the last applied file used for secrets, by variable name. */
export function appliedRefs(appliedSpec: unknown): Record<string, SecretRef> {
  const parsed = fileServiceFields.safeParse(appliedSpec ?? {});
  if (!parsed.success) return {};
  return Object.fromEntries(Object.entries(parsed.data.env).flatMap(([name, value]) => (isSecretRef(value) ? [[name, value] as const] : [])));
}

const fileTrafficOf = ({ weights: _weights, ...traffic }: TrafficSettings): FileTraffic => traffic;

/**
 * A stored service as a file entry, every default filled in. A secret becomes the reference it was
 * last applied with, or `fromEnv: <its name>`: its value never leaves the store.
 */
export function fileServiceOf(service: StoredService, dependsOn: readonly string[], options: { positions?: boolean } = {}): FileService {
  const { template } = service;
  const refs = appliedRefs(service.appliedSpec);
  const secret = new Set(template.secretEnv);
  const env: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(template.env)) env[name] = secret.has(name) ? (refs[name] ?? { fromEnv: name }) : value;
  return {
    runtime: template.runtime,
    command: template.command,
    image: template.image,
    user: template.user,
    cpuLimit: template.cpuLimit,
    network: template.network,
    placement: template.placement,
    args: template.args,
    shell: template.shell,
    cwd: template.cwd,
    env: sortedRecord(env),
    restartPolicy: template.restartPolicy,
    stopSignal: template.stopSignal,
    gracePeriodSeconds: template.gracePeriodSeconds,
    memoryLimitMb: template.memoryLimitMb,
    listens: template.listens,
    probes: template.probes,
    replicas: service.replicas,
    traffic: fileTrafficOf(service.traffic),
    strategy: service.strategy,
    autoscale: service.autoscale,
    labels: sortedRecord(service.labels),
    ...(service.listenPortPinned && service.listenPort !== null ? { listenPort: service.listenPort } : {}),
    ...(options.positions && service.position ? { position: service.position } : {}),
    dependsOn: [...dependsOn].sort(),
  };
}

export function fileExternalOf(service: StoredService): FileExternalService {
  return {
    labels: sortedRecord(service.labels),
    traffic: fileTrafficOf(service.traffic),
    ...(service.listenPortPinned && service.listenPort !== null ? { listenPort: service.listenPort } : {}),
  };
}

/** The secrets a service's entry refers to. */
export function secretNeeds(name: string, service: FileService): SecretNeed[] {
  return Object.entries(service.env).flatMap(([variable, value]) => (isSecretRef(value) ? [{ service: name, variable, ref: value }] : []));
}

type Json = JsonValue | undefined;

/** `value` without what equals `defaults`, object by object; undefined when nothing is left. */
function withoutDefaults(value: Json, defaults: Json): Json {
  if (isDeepStrictEqual(value, defaults)) return undefined;
  if (!isObject(value) || !isObject(defaults)) return value;
  const kept: Record<string, JsonValue> = {};
  for (const [key, field] of Object.entries(value)) {
    const left = withoutDefaults(field, defaults[key]);
    if (left !== undefined) kept[key] = left;
  }
  return kept;
}

const isObject = (value: Json): value is { [key: string]: JsonValue } => value !== null && typeof value === "object" && !Array.isArray(value);

/** A probe with only what differs from its kind's defaults (kind always kept). */
function compactProbe(probe: Probe): JsonValue {
  // An exec probe's command has no default: it is always written.
  const { command: _command, ...defaults } = probeSchema.parse(probe.kind === "exec" ? { kind: "exec", command: probe.command } : { kind: probe.kind }) as Record<string, JsonValue>;
  const rest = withoutDefaults(probe as JsonValue, defaults);
  const fields = isObject(rest ?? null) ? (rest as Record<string, JsonValue>) : {};
  return { kind: probe.kind, ...fields, ...("headers" in probe && fields.headers ? { headers: sortedRecord(probe.headers) } : {}) };
}

const ROUTE_DEFAULTS = routeSchema.parse({}) as JsonValue;

function compactTraffic(traffic: FileTraffic, defaults: FileTraffic): JsonValue | undefined {
  const { routes, ...rest } = traffic;
  const { routes: _noRoutes, ...restDefaults } = defaults;
  const compact = (withoutDefaults(rest as JsonValue, restDefaults as JsonValue) ?? {}) as Record<string, JsonValue>;
  if (routes.length > 0) compact.routes = routes.map((route) => withoutDefaults(route as JsonValue, ROUTE_DEFAULTS) ?? {});
  return Object.keys(compact).length > 0 ? compact : undefined;
}

/** The entry as written: defaults left out, fields in the schema's order. */
export function compactService(service: FileService): Record<string, JsonValue> {
  const entry: Record<string, JsonValue> = {};
  for (const key of Object.keys(SERVICE_DEFAULTS).concat("listenPort", "position") as (keyof FileService)[]) {
    const value = service[key];
    if (value === undefined) continue;
    if (key === "traffic") {
      const traffic = compactTraffic(service.traffic, SERVICE_DEFAULTS.traffic);
      if (traffic) entry.traffic = traffic;
    } else if (key === "probes") {
      const probes = Object.fromEntries(Object.entries(service.probes).flatMap(([type, probe]) => (probe ? [[type, compactProbe(probe)]] : [])));
      if (Object.keys(probes).length > 0) entry.probes = probes;
    } else if (key === "autoscale") {
      if (service.autoscale) entry.autoscale = compactAutoscale(service.autoscale);
    } else if (key === "dependsOn" || key === "args") {
      if ((value as unknown[]).length > 0) entry[key] = value as JsonValue;
    } else {
      const left = withoutDefaults(value as JsonValue, SERVICE_DEFAULTS[key] as Json);
      if (left !== undefined) entry[key] = left;
    }
  }
  // Keep `dependsOn` last, where a reader looks for the edges.
  if (entry.dependsOn) {
    const dependsOn = entry.dependsOn;
    delete entry.dependsOn;
    entry.dependsOn = dependsOn;
  }
  return entry;
}

/** Max replicas and the targets set, then only what differs from the defaults (the behavior usually goes). */
function compactAutoscale(autoscale: AutoscaleSettings): JsonValue {
  const defaults = autoscaleSettings.parse({ maxReplicas: autoscale.maxReplicas, targets: autoscale.targets }) as JsonValue;
  const rest = (withoutDefaults(autoscale as JsonValue, defaults) ?? {}) as Record<string, JsonValue>;
  const targets = Object.fromEntries(Object.entries(autoscale.targets).filter(([, value]) => value !== null));
  return { ...("minReplicas" in rest ? { minReplicas: rest.minReplicas! } : {}), maxReplicas: autoscale.maxReplicas, targets, ...withoutKeys(rest, ["minReplicas"]) };
}

const withoutKeys = (record: Record<string, JsonValue>, keys: string[]) => Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));

export function compactExternal(service: FileExternalService): Record<string, JsonValue> {
  const entry: Record<string, JsonValue> = {};
  const labels = withoutDefaults(service.labels, EXTERNAL_DEFAULTS.labels);
  if (labels !== undefined) entry.labels = labels;
  const traffic = compactTraffic(service.traffic, EXTERNAL_DEFAULTS.traffic);
  if (traffic) entry.traffic = traffic;
  if (service.listenPort !== undefined) entry.listenPort = service.listenPort;
  return entry;
}

/** The whole file: services, external services, then alert rules and receivers, each by name in name order. */
export function renderConfig(services: Record<string, FileService>, external: Record<string, FileExternalService>, alerts?: FileAlerts): string {
  const document: Record<string, JsonValue> = { version: CONFIG_VERSION };
  const names = (record: Record<string, unknown>) => Object.keys(record).sort();
  if (names(services).length > 0) document.services = Object.fromEntries(names(services).map((name) => [name, compactService(services[name]!)]));
  if (names(external).length > 0) document.external = Object.fromEntries(names(external).map((name) => [name, compactExternal(external[name]!)]));
  if (alerts) {
    const byName = (record: Record<string, object>) => Object.fromEntries(names(record).map((name) => [name, record[name] as JsonValue]));
    document.alerts = { rules: byName(alerts.rules), receivers: byName(alerts.receivers) };
  }
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * What differs between two normalized entries, as file paths (`env.LOG_LEVEL`, `traffic.retries`).
 * Objects are compared field by field; lists and secret references as a whole.
 */
export function diffEntries(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ""): FieldChange[] {
  const changes: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const key of keys) {
    const [a, b] = [before[key] as Json, after[key] as Json];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isDeepStrictEqual(a, b)) continue;
    const isRef = (v: Json) => isObject(v ?? null) && ("fromEnv" in (v as object) || "fromFile" in (v as object));
    if (isObject(a ?? null) && isObject(b ?? null) && !isRef(a) && !isRef(b) && !("kind" in (a as object) && (a as { kind: unknown }).kind !== (b as { kind: unknown }).kind)) {
      changes.push(...diffEntries(a as Record<string, unknown>, b as Record<string, unknown>, path));
    } else changes.push({ path, before: a ?? null, after: b ?? null });
  }
  return changes;
}
