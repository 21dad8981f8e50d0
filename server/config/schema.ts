import { z } from "zod";
import { labelKey, labelValue } from "../contracts/access";
import { alertRuleKinds, alertRuleName, receiverKinds, receiverUrl, type AlertRuleSpec } from "../contracts/alerts";
import { autoscaleSettings } from "../contracts/autoscale";
import { headerName, probe, probeSet } from "../contracts/probe";
import { rolloutStrategy, defaultStrategy } from "../contracts/rollout";
import { envName, instanceTemplate, position, replicas, runtimeIssues, SECRET_PLACEHOLDER, serviceName } from "../contracts/service";
import { hashOn, listenPort, route, routesIssue, trafficSettings } from "../contracts/traffic";

// The gantry.yaml format, built from the contracts the API and the dashboard use, so a file means
// what the same edit in the dashboard means. Every object is strict (an unknown key is an error,
// not silently dropped), and records are plain zod records so the JSON Schema says what they hold.
// Refused `__proto__` keys are checked on the YAML document itself (see parse.ts).

const template = instanceTemplate.shape;
const traffic = trafficSettings.shape;

/** A secret is never written in the file: the applier supplies it from its environment or a file. */
export const secretRef = z.union([
  z.object({ fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "fromEnv names an environment variable") }).strict(),
  z.object({ fromFile: z.string().trim().min(1, "fromFile names a file").max(4096) }).strict(),
]);
export type SecretRef = z.output<typeof secretRef>;
export const isSecretRef = (value: EnvValue): value is SecretRef => typeof value !== "string";

const plainValue = z
  .string()
  .max(32_768)
  .refine((value) => value !== SECRET_PLACEHOLDER, `${SECRET_PLACEHOLDER} is what the API shows instead of a secret: write { fromEnv: NAME } or { fromFile: path }`);
export const envValue = z.union([plainValue, secretRef]);
export type EnvValue = z.output<typeof envValue>;

const [httpProbe, tcpProbe, execProbe, grpcProbe] = probe.options;
const strictProbe = z.discriminatedUnion("kind", [
  httpProbe.extend({ headers: z.record(headerName, z.string().max(4096)).default({}) }).strict(),
  tcpProbe.strict(),
  execProbe.strict(),
  grpcProbe.strict(),
]);
/** Strict first, then the contract's own rules (thresholds per probe type). */
const probes = z
  .object({ startup: strictProbe.nullable().default(null), readiness: strictProbe.nullable().default(null), liveness: strictProbe.nullable().default(null) })
  .strict()
  .superRefine((set, ctx) => {
    const checked = probeSet.safeParse(set);
    if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });

const [byHeader, byCookie, byClientIp] = hashOn.options;
/**
 * How traffic reaches the service. Balancer weights are not part of the file: they name instances
 * and revision numbers of one store (an apply keeps the stored ones).
 */
export const fileTraffic = z
  .object({
    protocol: traffic.protocol,
    policy: traffic.policy,
    hashOn: z.discriminatedUnion("kind", [byHeader.strict(), byCookie.strict(), byClientIp.strict()]).default({ kind: "client_ip" }),
    routes: z.array(route.strict()).max(50).default([]),
    retries: traffic.retries,
    connectTimeoutMs: traffic.connectTimeoutMs,
    requestTimeoutMs: traffic.requestTimeoutMs,
    perTryTimeoutMs: traffic.perTryTimeoutMs,
    maxConnections: traffic.maxConnections,
    maxPendingRequests: traffic.maxPendingRequests,
    metricsPath: traffic.metricsPath,
    outlier: traffic.outlier.unwrap().strict().default({ consecutiveErrors: 5, baseEjectionSeconds: 30, maxEjectionPercent: 50 }),
  })
  .strict();
export type FileTraffic = z.output<typeof fileTraffic>;

const labels = z
  .record(labelKey, labelValue)
  .refine((record) => Object.keys(record).length <= 32, "at most 32 labels")
  .default({});

/** A service Gantry runs: the instance template's fields, then how many, how traffic reaches it, how it rolls, and what it calls. */
export const fileServiceFields = z
  .object({
    runtime: template.runtime,
    /** Required for a process; for a container, empty runs the image's own command. */
    command: z.string().trim().max(4096).default(""),
    image: template.image,
    user: template.user,
    cpuLimit: template.cpuLimit,
    network: template.network,
    placement: template.placement,
    args: template.args,
    shell: template.shell,
    cwd: template.cwd,
    /** Plain values, or secrets by reference: { fromEnv: NAME } or { fromFile: path }. */
    env: z.record(envName, envValue).default({}),
    restartPolicy: template.restartPolicy,
    stopSignal: template.stopSignal,
    gracePeriodSeconds: template.gracePeriodSeconds,
    memoryLimitMb: template.memoryLimitMb,
    listens: template.listens,
    probes: probes.default({ startup: null, readiness: null, liveness: null }),
    replicas: replicas.default(1),
    traffic: fileTraffic.default(fileTraffic.parse({})),
    strategy: rolloutStrategy.strict().default(defaultStrategy),
    /** HPA-style autoscaling between min and max replicas; `replicas` is then where a new service starts, and no drift. */
    autoscale: autoscaleSettings.nullable().default(null),
    labels,
    /** Omitted: Gantry picks the listener port (and keeps it). */
    listenPort: listenPort.optional(),
    /** Canvas position; exported only when asked for, and left alone by an apply that has none. */
    position: position.strict().optional(),
    /** The services this one calls: each gets NAME_URL in its environment (NAME_ADDR, host:port, for a tcp or grpc one). */
    dependsOn: z.array(serviceName).max(256).default([]),
  })
  .strict();

export const fileService = fileServiceFields.superRefine((service, ctx) => {
  for (const issue of runtimeIssues(service)) ctx.addIssue({ code: "custom", ...issue });
  const routeIssue = service.traffic.routes.length > 0 ? routesIssue(service.traffic.protocol) : undefined;
  if (routeIssue) ctx.addIssue({ code: "custom", path: ["traffic", "routes"], message: routeIssue });
  const seen = new Set<string>();
  service.dependsOn.forEach((name, index) => {
    if (seen.has(name)) ctx.addIssue({ code: "custom", path: ["dependsOn", index], message: `${name} is listed twice` });
    seen.add(name);
  });
});
export type FileService = z.output<typeof fileService>;

/** A service registered from outside (Consul agent API): named here so others can depend on it; its endpoints register themselves. */
export const fileExternalService = z
  .object({ labels, traffic: fileTraffic.default(fileTraffic.parse({})), listenPort: listenPort.optional() })
  .strict();
export type FileExternalService = z.output<typeof fileExternalService>;

/** An alert rule, named by its key: the contract's fields for its kind. */
export type FileAlertRule = AlertRuleSpec extends infer R ? (R extends unknown ? Omit<R, "name"> : never) : never;
const ruleKinds = (Object.values(alertRuleKinds) as unknown as Array<z.ZodObject<z.ZodRawShape>>).map((kind) => kind.omit({ name: true }).strict());
export const fileAlertRule = z.discriminatedUnion("kind", ruleKinds as [z.ZodObject<z.ZodRawShape>, ...Array<z.ZodObject<z.ZodRawShape>>]) as unknown as z.ZodType<FileAlertRule>;

/** Where notifications go, named by its key. A Slack URL is the credential: only by reference. */
export const fileReceiver = z
  .object({ kind: z.enum(receiverKinds), url: z.union([receiverUrl, secretRef]), enabled: z.boolean().default(true) })
  .strict()
  .superRefine((receiver, ctx) => {
    if (receiver.kind === "slack" && typeof receiver.url === "string") {
      ctx.addIssue({ code: "custom", path: ["url"], message: "a Slack webhook URL is a secret: write { fromEnv: NAME } or { fromFile: path }" });
    }
  });
export type FileReceiver = z.output<typeof fileReceiver>;

/** Alert rules and receivers; left out, an apply leaves them as they are. */
export const fileAlerts = z
  .object({ rules: z.record(alertRuleName, fileAlertRule).default({}), receivers: z.record(alertRuleName, fileReceiver).default({}) })
  .strict();
export type FileAlerts = z.output<typeof fileAlerts>;

export const CONFIG_VERSION = 1;

export const configFile = z
  .object({
    /** The format's version: 1. */
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
    services: z.record(serviceName, fileService).default({}),
    external: z.record(serviceName, fileExternalService).default({}),
    alerts: fileAlerts.optional(),
  })
  .strict();
export type ConfigFile = z.output<typeof configFile>;

/** Every default of a service entry, for leaving defaults out of exports. */
export const SERVICE_DEFAULTS: FileService = fileServiceFields.parse({});
export const EXTERNAL_DEFAULTS: FileExternalService = fileExternalService.parse({});

/** The file's JSON Schema, as published in gantry.schema.json (what a user may write: defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
  return { ...schema, title: "gantry.yaml", description: "Gantry config as code: services, their dependencies, external services and alerts." };
}

/** gantry.schema.json as committed: stable key order, two-space indent, a final newline. */
export const configSchemaText = () => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
