import { isDeepStrictEqual } from "node:util";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IService } from "kubernetes-models/v1/Service";
import { stringify } from "yaml";
import type { Probe } from "../contracts/probe";
import { probeTypes } from "../contracts/probe";
import { dependencyEnvName, linksByAddress, type Protocol } from "../contracts/traffic";
import { isSecretRef, SERVICE_DEFAULTS, type ConfigFile, type FileService } from "./schema";

// gantry.yaml → Kubernetes objects. Pure: a parsed file in, YAML documents out, plus a header that
// says which Secrets to create and what has no Kubernetes counterpart. Only container services are
// exported: a `runtime: process` service runs a program on Gantry's host, and Kubernetes runs
// images, so it is listed as not exported rather than guessed at. Types only from
// kubernetes-models (the tests validate every object against its schemas).

/** The port every exported container listens on: Gantry's PORT, fixed (Gantry picks one per instance). */
export const CONTAINER_PORT = 8080;
/** The Service's port: dependents call `http://<name>` as they called NAME_URL. */
export const SERVICE_PORT = 80;

const NAME_LABEL = "app.kubernetes.io/name";

export type KubernetesObject = IDeployment | IService;

/** The objects, the Secrets they read (service → variable → where its value comes from) and what was left out. */
export type KubernetesExport = {
  objects: KubernetesObject[];
  secrets: Array<{ service: string; key: string; from: { env: string } | { file: string } }>;
  notExported: string[];
};

/** Kubernetes counts whole seconds, and at least 1 for a period or a timeout. */
const wholeSeconds = (seconds: number, min: number) => Math.max(min, Math.ceil(seconds));

/** One Gantry probe as a Kubernetes probe; `notes` hears about timings rounded up. */
function kubernetesProbe(probe: Probe, where: string, note: (text: string) => void): IProbe {
  const timing: IProbe = {};
  for (const [field, min] of [["initialDelaySeconds", 0], ["periodSeconds", 1], ["timeoutSeconds", 1]] as const) {
    const value = wholeSeconds(probe[field], min);
    if (value !== probe[field]) note(`${where}.${field}: ${probe[field]} s rounded up to ${value} (Kubernetes counts whole seconds)`);
    if (field !== "initialDelaySeconds" || value > 0) timing[field] = value;
  }
  if (probe.successThreshold !== 1) timing.successThreshold = probe.successThreshold;
  timing.failureThreshold = probe.failureThreshold;
  switch (probe.kind) {
    case "http":
      return {
        httpGet: {
          path: probe.path,
          port: probe.port ?? CONTAINER_PORT,
          ...(Object.keys(probe.headers).length > 0 ? { httpHeaders: Object.entries(probe.headers).map(([name, value]) => ({ name, value })) } : {}),
        },
        ...timing,
      };
    case "tcp":
      return { tcpSocket: { port: probe.port ?? CONTAINER_PORT }, ...timing };
    case "exec":
      return { exec: { command: probe.command }, ...timing };
    case "grpc":
      return { grpc: { port: probe.port ?? CONTAINER_PORT, ...(probe.service ? { service: probe.service } : {}) }, ...timing };
  }
}

const PROBE_FIELDS = { startup: "startupProbe", readiness: "readinessProbe", liveness: "livenessProbe" } as const;

/** Gantry's command is the entrypoint and args its arguments; a shell line runs as `/bin/sh -c line <name> args…`, as the docker driver runs it. */
function commandOf(service: FileService, name: string): Pick<IContainer, "command" | "args"> {
  if (service.shell) return { command: ["/bin/sh", "-c"], args: [service.command, name, ...service.args] };
  if (service.command) return { command: [service.command], ...(service.args.length > 0 ? { args: service.args } : {}) };
  return service.args.length > 0 ? { args: service.args } : {};
}

/**
 * The file's container services as Deployments (and a Service for each that listens). Secrets
 * are read from a Secret named after the service, one key per variable; the Secrets themselves
 * are not rendered, since their values are never in the file.
 */
export function kubernetesExport(config: ConfigFile): KubernetesExport {
  const objects: KubernetesObject[] = [];
  const secrets: KubernetesExport["secrets"] = [];
  const notExported: string[] = [];
  const note = (text: string) => notExported.push(text);
  const exported = (name: string) => config.services[name]?.runtime === "docker";

  for (const name of Object.keys(config.external).sort()) note(`${name}: an external service (its endpoints register with Gantry); not exported`);
  for (const name of Object.keys(config.services).sort()) {
    const service = config.services[name]!;
    if (service.runtime !== "docker") {
      note(`${name}: runs a local process (runtime: process) and Kubernetes runs images; not exported`);
      continue;
    }
    const labels = { [NAME_LABEL]: name, "app.kubernetes.io/managed-by": "gantry", ...service.labels };
    const selector = { [NAME_LABEL]: name };

    const env: IEnvVar[] = [{ name: "PORT", value: String(CONTAINER_PORT) }];
    for (const callee of [...service.dependsOn].sort()) {
      const protocol = (config.services[callee] ?? config.external[callee])?.traffic.protocol ?? "http";
      const envName = dependencyEnvName(callee, protocol);
      if (Object.hasOwn(service.env, envName)) continue; // written by hand: the file's value stands
      env.push({ name: envName, value: linksByAddress(protocol) ? `${callee}:${SERVICE_PORT}` : `http://${callee}` });
      if (!exported(callee)) note(`${name}.dependsOn.${callee}: ${callee} is not exported: ${envName} names a Service you provide`);
      else if (!config.services[callee]!.listens) note(`${name}.dependsOn.${callee}: ${callee} doesn't listen, so it has no Service`);
    }
    for (const [variable, value] of Object.entries(service.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!isSecretRef(value)) env.push({ name: variable, value });
      else {
        env.push({ name: variable, valueFrom: { secretKeyRef: { name, key: variable } } });
        secrets.push({ service: name, key: variable, from: "fromEnv" in value ? { env: value.fromEnv } : { file: value.fromFile } });
      }
    }

    const probes: Partial<Pick<IContainer, "startupProbe" | "readinessProbe" | "livenessProbe">> = {};
    for (const type of probeTypes) {
      const probe = service.probes[type];
      if (probe) probes[PROBE_FIELDS[type]] = kubernetesProbe(probe, `${name}.probes.${type}`, note);
    }
    const limits: Record<string, string> = {};
    if (service.memoryLimitMb !== null) limits.memory = `${service.memoryLimitMb}Mi`;
    if (service.cpuLimit !== null) limits.cpu = `${Math.max(1, Math.round(service.cpuLimit * 1000))}m`;

    const user = /^(\d+)(?::(\d+))?$/.exec(service.user ?? "");
    if (service.user !== null && !user) note(`${name}.user: ${service.user} is a name; Kubernetes runs as a numeric uid (runAsUser): not exported`);
    if (service.stopSignal !== "SIGTERM") note(`${name}.stopSignal: Kubernetes stops containers with SIGTERM (or the image's STOPSIGNAL); ${service.stopSignal} not exported`);
    if (service.restartPolicy !== "always") note(`${name}.restartPolicy: a Deployment's pods always restart; ${service.restartPolicy} not exported`);

    const container: IContainer = {
      name,
      image: service.image!,
      ...commandOf(service, name),
      ...(service.cwd ? { workingDir: service.cwd } : {}),
      env,
      ...(service.listens ? { ports: [{ name: service.traffic.protocol, containerPort: CONTAINER_PORT, protocol: "TCP" }] } : {}),
      ...probes,
      ...(Object.keys(limits).length > 0 ? { resources: { limits } } : {}),
      ...(user ? { securityContext: { runAsUser: Number(user[1]), ...(user[2] ? { runAsGroup: Number(user[2]) } : {}) } } : {}),
    };

    const { strategy } = service;
    const minReadySeconds = Math.ceil(strategy.minReadySeconds);
    const progressDeadlineSeconds = Math.ceil(strategy.progressDeadlineSeconds);
    if (progressDeadlineSeconds <= minReadySeconds) note(`${name}.strategy.progressDeadlineSeconds: Kubernetes needs it above minReadySeconds; not exported`);
    if (strategy.autoRollback) note(`${name}.strategy.autoRollback: Kubernetes doesn't roll back on its own; not exported`);
    // Gantry's targets are what its own proxy and /proc measure; an HPA would need a metrics adapter for them.
    if (service.autoscale) note(`${name}.autoscale: a HorizontalPodAutoscaler needs these metrics from an adapter (requests/s and p95 are Gantry's proxy's, CPU % is of a core); not exported`);
    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, labels },
      spec: {
        replicas: service.replicas,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable } },
        ...(minReadySeconds > 0 ? { minReadySeconds } : {}),
        ...(progressDeadlineSeconds > minReadySeconds ? { progressDeadlineSeconds } : {}),
        template: {
          metadata: { labels },
          spec: { containers: [container], terminationGracePeriodSeconds: service.gracePeriodSeconds },
        },
      },
    });
    if (service.listens) {
      objects.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, labels },
        spec: { type: "ClusterIP", selector, ports: [{ name: service.traffic.protocol, port: SERVICE_PORT, targetPort: CONTAINER_PORT, protocol: "TCP", ...appProtocolOf(service.traffic.protocol) }] },
      });
    }
    if (!isDeepStrictEqual(service.traffic, SERVICE_DEFAULTS.traffic)) note(`${name}.traffic: routes, balancing, retries and timeouts are Gantry's proxy; not exported`);
    if (service.listenPort !== undefined) note(`${name}.listenPort: Gantry's listener port; the Service listens on ${SERVICE_PORT}`);
  }
  return { objects, secrets, notExported };
}

const shellQuote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** `kubectl create secret` lines that fill each Secret from where the file said its values are. */
function secretCommands(secrets: KubernetesExport["secrets"]): string[] {
  const byService = new Map<string, string[]>();
  for (const { service, key, from } of secrets) {
    const source = "env" in from ? `--from-literal=${key}="$${from.env}"` : `--from-file=${key}=${shellQuote(from.file)}`;
    byService.set(service, [...(byService.get(service) ?? []), source]);
  }
  return [...byService].map(([service, sources]) => `kubectl create secret generic ${service} ${sources.join(" ")}`);
}

/**
 * A gantry.yaml as Kubernetes YAML: one document per object (a Deployment per container
 * service, then its Service), after a header listing the Secrets to create and what was not
 * exported. `config` is what parseConfig returns.
 */
export function renderKubernetes(config: ConfigFile): string {
  const { objects, secrets, notExported } = kubernetesExport(config);
  const oneLine = (text: string) => text.replace(/\s+/g, " ");
  const header = [
    "# Kubernetes objects rendered from gantry.yaml by `gantry export --format kubernetes`.",
    `# Containers listen on PORT=${CONTAINER_PORT}; each Service takes port ${SERVICE_PORT} to it, so dependents call http://<name>.`,
    ...(secrets.length > 0 ? ["# Create the Secrets first (their values are never in gantry.yaml):", ...secretCommands(secrets).map((line) => `#   ${oneLine(line)}`)] : []),
    ...(notExported.length > 0 ? ["# Not exported:", ...notExported.map((text) => `#   - ${oneLine(text)}`)] : []),
  ];
  const documents = objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }));
  return `${header.join("\n")}\n${documents.map((document) => `---\n${document}`).join("")}`;
}

/** Tells meshes and gateways the port speaks cleartext HTTP/2 (KEP-3726's standard application protocol). */
function appProtocolOf(protocol: Protocol): { appProtocol?: string } {
  return protocol === "http2" || protocol === "grpc" ? { appProtocol: "kubernetes.io/h2c" } : {};
}
