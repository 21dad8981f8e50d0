import { probeTypes, type ProbeInput, type ProbeKind, type ProbeType } from "@/server/contracts/probe";
import { containerNetworks, containerRuntimes, envName, instanceTemplate, SECRET_PLACEHOLDER, type InstanceTemplateInput, type RestartPolicy, type Runtime, type Service } from "@/server/contracts/service";
import { joinCommandLine, joinShellWords, splitCommandLine } from "@/server/contracts/command-line";
import { parseEnvText } from "./env-text";

/** A probe as typed into the form: every field a string until it is parsed. */
export type ProbeDraft = {
  kind: "none" | ProbeKind;
  path: string;
  port: string;
  headers: string;
  command: string;
  /** gRPC: the service name asked about; empty for the server as a whole. */
  service: string;
  initialDelaySeconds: string;
  periodSeconds: string;
  timeoutSeconds: string;
  successThreshold: string;
  failureThreshold: string;
};

export type ServiceFormValues = {
  name: string;
  replicas: string;
  runtime: Runtime;
  /** The container fields are kept while the runtime is process, but only sent for docker. */
  image: string;
  user: string;
  cpuLimit: string;
  network: (typeof containerNetworks)[number];
  /** Swarm only, one per line: constraints (`node.role==worker`), and `spread=<attribute>` preferences. */
  placement: string;
  commandLine: string;
  shell: boolean;
  /** A shell script's positional parameters ($1…): set through the API, kept as they are. */
  shellArgs: string[];
  cwd: string;
  env: string;
  secrets: SecretDraft[];
  restartPolicy: RestartPolicy;
  gracePeriodSeconds: string;
  memoryLimitMb: string;
  listens: boolean;
  probes: Record<ProbeType, ProbeDraft>;
};

/**
 * A secret environment variable as edited. The server never sends a stored secret's value, so an
 * empty value under the name it was stored as (`storedAs`) means "keep it".
 */
export type SecretDraft = { name: string; value: string; storedAs: string | null };

/** Input name → message. Probe fields are `probes.<type>.<field>`. */
export type FormErrors = Record<string, string>;

export const emptyProbe: ProbeDraft = {
  kind: "none",
  path: "/",
  port: "",
  headers: "",
  command: "",
  service: "",
  initialDelaySeconds: "0",
  periodSeconds: "10",
  timeoutSeconds: "1",
  successThreshold: "1",
  failureThreshold: "3",
};

export const emptyValues = (): ServiceFormValues => ({
  name: "",
  replicas: "1",
  runtime: "process",
  image: "",
  user: "",
  cpuLimit: "",
  placement: "",
  network: "host",
  commandLine: "",
  shell: false,
  shellArgs: [],
  cwd: "",
  env: "",
  secrets: [],
  restartPolicy: "always",
  gracePeriodSeconds: "10",
  memoryLimitMb: "",
  listens: true,
  probes: { startup: { ...emptyProbe }, readiness: { ...emptyProbe }, liveness: { ...emptyProbe } },
});

export function valuesFromService(service: Service): ServiceFormValues {
  const { template } = service;
  const probes = Object.fromEntries(
    probeTypes.map((type) => {
      const probe = template.probes[type];
      if (!probe) return [type, { ...emptyProbe }];
      const draft: ProbeDraft = {
        ...emptyProbe,
        kind: probe.kind,
        initialDelaySeconds: String(probe.initialDelaySeconds),
        periodSeconds: String(probe.periodSeconds),
        timeoutSeconds: String(probe.timeoutSeconds),
        successThreshold: String(probe.successThreshold),
        failureThreshold: String(probe.failureThreshold),
      };
      if (probe.kind !== "exec") draft.port = probe.port === null ? "" : String(probe.port);
      if (probe.kind === "http") {
        draft.path = probe.path;
        draft.headers = Object.entries(probe.headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join("\n");
      }
      if (probe.kind === "exec") draft.command = joinCommandLine(probe.command);
      if (probe.kind === "grpc") draft.service = probe.service;
      return [type, draft];
    }),
  ) as Record<ProbeType, ProbeDraft>;
  return {
    name: service.name,
    replicas: String(service.replicas),
    runtime: template.runtime,
    image: template.image ?? "",
    user: template.user ?? "",
    cpuLimit: template.cpuLimit === null ? "" : String(template.cpuLimit),
    network: template.network,
    placement: [...template.placement.constraints, ...template.placement.spread.map((attribute) => `spread=${attribute}`)].join("\n"),
    commandLine: template.shell || !template.command ? template.command : joinCommandLine([template.command, ...template.args]),
    shell: template.shell,
    shellArgs: template.shell ? template.args : [],
    cwd: template.cwd,
    env: Object.entries(template.env)
      .filter(([key]) => !template.secretEnv.includes(key))
      .map(([key, value]) => `${key}=${value}`)
      .join("\n"),
    secrets: template.secretEnv.map((name) => ({ name, value: "", storedAs: name })),
    restartPolicy: template.restartPolicy,
    gracePeriodSeconds: String(template.gracePeriodSeconds),
    memoryLimitMb: template.memoryLimitMb === null ? "" : String(template.memoryLimitMb),
    listens: template.listens,
    probes,
  };
}

/**
 * Ticking "Run through /bin/sh": the same words, now for a shell — `'$PORT'`, quoted so it was
 * passed literally, becomes `$PORT` for the shell to expand. A line that doesn't split stays as typed.
 */
export function shellToggled(values: ServiceFormValues, shell: boolean): ServiceFormValues {
  if (!shell || values.shell) return { ...values, shell };
  try {
    return { ...values, shell, commandLine: joinShellWords(splitCommandLine(values.commandLine)), shellArgs: [] };
  } catch {
    return { ...values, shell };
  }
}

/** Where the form shows a message for a field path of the template (from zod or from the server). */
export function fieldKey(path: ReadonlyArray<PropertyKey>): string {
  const parts = path.map(String);
  if (parts[0] === "patch") parts.shift();
  if (parts[0] === "traffic") return parts[1] === "outlier" ? `traffic.${parts[2]}` : `traffic.${parts[1]}`;
  if (parts[0] === "template") parts.shift();
  const [head] = parts;
  if (head === "command" || head === "args") return "commandLine";
  if (head === "env") return "env";
  if (head === "secretEnv") return "secrets";
  if (head === "labels") return "labels";
  if (head === "placement") return "placement";
  if (head === "probes") return parts.slice(0, 3).join(".");
  return parts.join(".") || "form";
}

/** The placement box's lines: `spread=<attribute>` preferences, and constraints. */
function placementInput(text: string): { constraints: string[]; spread: string[] } {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  const spread = lines.filter((line) => line.startsWith("spread=")).map((line) => line.slice("spread=".length).trim());
  return { constraints: lines.filter((line) => !line.startsWith("spread=")), spread };
}

class FieldError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

function number(value: string, key: string): number {
  const parsed = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(parsed)) throw new FieldError(key, "must be a number");
  return parsed;
}

function probeInput(type: ProbeType, draft: ProbeDraft): ProbeInput | null {
  if (draft.kind === "none") return null;
  const key = (field: string) => `probes.${type}.${field}`;
  const timing = {
    initialDelaySeconds: number(draft.initialDelaySeconds, key("initialDelaySeconds")),
    periodSeconds: number(draft.periodSeconds, key("periodSeconds")),
    timeoutSeconds: number(draft.timeoutSeconds, key("timeoutSeconds")),
    successThreshold: number(draft.successThreshold, key("successThreshold")),
    failureThreshold: number(draft.failureThreshold, key("failureThreshold")),
  };
  const port = draft.port.trim() === "" ? null : number(draft.port, key("port"));
  if (draft.kind === "tcp") return { kind: "tcp", port, ...timing };
  if (draft.kind === "grpc") return { kind: "grpc", port, service: draft.service.trim(), ...timing };
  if (draft.kind === "exec") {
    try {
      return { kind: "exec", command: splitCommandLine(draft.command), ...timing };
    } catch (err) {
      throw new FieldError(key("command"), (err as Error).message);
    }
  }
  const headers: Record<string, string> = {};
  for (const line of draft.headers.split("\n").filter((l) => l.trim())) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new FieldError(key("headers"), `expected "Name: value", got "${line.trim()}"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { kind: "http", path: draft.path, port, headers, ...timing };
}

function checkName(name: string, key: string): void {
  const checked = envName.safeParse(name);
  if (!checked.success) throw new FieldError(key, `${name}: ${checked.error.issues[0]!.message}`);
}

/** The secrets as env entries: a kept secret goes back as the placeholder. */
function secretsInput(secrets: SecretDraft[], plain: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, secret] of secrets.entries()) {
    const name = secret.name.trim();
    if (!name) throw new FieldError("secrets", `secret ${index + 1}: a name is required`);
    checkName(name, "secrets");
    if (name in plain || name in out) throw new FieldError("secrets", `${name} is set twice`);
    const kept = secret.value === "" && secret.storedAs === name;
    if (!kept && secret.value === "") throw new FieldError("secrets", `${name}: a value is required`);
    out[name] = kept ? SECRET_PLACEHOLDER : secret.value;
  }
  return out;
}

/** A typed number; empty is NaN, so the schema reports it as missing rather than as 0. */
export const numberOrNaN = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

/** Parses and validates the form into a template, or says what is wrong where. */
export function toTemplateInput(values: ServiceFormValues): { template: InstanceTemplateInput } | { errors: FormErrors } {
  try {
    let argv: string[];
    try {
      argv = values.shell ? [values.commandLine.trim()] : splitCommandLine(values.commandLine);
    } catch (err) {
      throw new FieldError("commandLine", `command line: ${(err as Error).message}`);
    }
    const env = parseEnvText(values.env);
    if ("error" in env) throw new FieldError("env", env.error);
    for (const name of Object.keys(env.env)) checkName(name, "env");
    const secretEnv = secretsInput(values.secrets, env.env);
    const [command = "", ...words] = argv;
    const args = values.shell ? values.shellArgs : words;
    const container = containerRuntimes.includes(values.runtime);
    const template: InstanceTemplateInput = {
      runtime: values.runtime,
      image: container ? values.image.trim() || null : null,
      user: container ? values.user.trim() || null : null,
      cpuLimit: container && values.cpuLimit.trim() !== "" ? number(values.cpuLimit, "cpuLimit") : null,
      network: values.network,
      placement: values.runtime === "swarm" ? placementInput(values.placement) : { constraints: [], spread: [] },
      command,
      args,
      shell: values.shell,
      cwd: values.cwd,
      env: { ...env.env, ...secretEnv },
      secretEnv: Object.keys(secretEnv),
      restartPolicy: values.restartPolicy,
      gracePeriodSeconds: number(values.gracePeriodSeconds, "gracePeriodSeconds"),
      memoryLimitMb: values.memoryLimitMb.trim() === "" ? null : number(values.memoryLimitMb, "memoryLimitMb"),
      listens: values.listens,
      probes: {
        startup: probeInput("startup", values.probes.startup),
        readiness: probeInput("readiness", values.probes.readiness),
        liveness: probeInput("liveness", values.probes.liveness),
      },
    };
    const checked = instanceTemplate.safeParse(template);
    if (checked.success) return { template };
    const errors: FormErrors = {};
    for (const issue of checked.error.issues) errors[fieldKey(issue.path)] ??= issue.message;
    return { errors };
  } catch (err) {
    if (err instanceof FieldError) return { errors: { [err.key]: err.message } };
    throw err;
  }
}

