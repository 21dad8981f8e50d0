import { isMap, LineCounter, parseDocument } from "yaml";
import { stopSignals, type RestartPolicy } from "../contracts/service";
import { ConfigError } from "./parse";
import { fileServiceFields, type FileService, type SecretRef } from "./schema";
import { checkedService, importedFile, serviceNames, type ImportedService, type ImportResult } from "./imported-file";

// docker-compose → gantry.yaml. Pure: text in, a file to review and a list of what was left behind
// out. Every compose service becomes a `runtime: docker` service; what Gantry has no place for
// (volumes, networks, mounted secrets…) is listed as `service.key: why`, never dropped silently.
// The mapping follows the Compose Specification: a string `command` is split into words by compose
// (it is not run by a shell), `entrypoint` replaces the image's entrypoint and clears its command,
// `command` alone keeps the entrypoint (Gantry's empty command with args does the same).

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => value !== null && typeof value === "object" && !Array.isArray(value);

/** Names whose values are secrets: written as references, never copied into the file. `*_FILE` names hold a path to one. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|(^|_)PASS($|_)/i;
export const looksSecret = (name: string) => SECRET_NAME.test(name) && !/_FILE$/i.test(name);

/** Why a compose key has no place in gantry.yaml. */
const NOT_TRANSLATED: Record<string, string> = {
  volumes: "Gantry mounts no volumes: an instance's files last as long as it does",
  volumes_from: "Gantry mounts no volumes",
  tmpfs: "Gantry mounts no volumes",
  networks: "services reach the ones they call through dependsOn (NAME_URL), not networks",
  network_mode: "Gantry sets the container's network (network: host or published)",
  secrets: "secrets mounted under /run/secrets have no Gantry equivalent: pass the value in env as { fromEnv: NAME } or { fromFile: path }",
  configs: "mounted config files have no Gantry equivalent",
  labels: "container labels are not Gantry's service labels (those scope access grants)",
  container_name: "Gantry names each instance's container itself",
  hostname: "instances are reached through NAME_URL, not by host name",
  logging: "Gantry keeps each instance's output itself",
  profiles: "Gantry has no profiles: the service is imported all the same",
  pull_policy: "Gantry pulls an image only when the daemon lacks it",
};
const TOP_LEVEL: Record<string, string> = {
  volumes: "named volumes: Gantry mounts no volumes",
  networks: "networks: services reach the ones they call through dependsOn (NAME_URL)",
  secrets: "secrets: pass each value in env as { fromEnv: NAME } or { fromFile: path }",
  configs: "configs: mounted config files have no Gantry equivalent",
  name: "the project name has no place in gantry.yaml",
  include: "included compose files are not read: import each one",
};
const DEFAULT_REASON = "no Gantry equivalent";

const imageReference = fileServiceFields.shape.image;

/**
 * Reads a docker-compose file into a gantry.yaml. Throws ConfigError (file:line:column) when the
 * text is not YAML or has no services; everything else it can't carry over is in `untranslated`.
 */
export function importCompose(text: string, fileName: string): ImportResult {
  const compose = readCompose(text, fileName);
  const untranslated: string[] = [];
  const note = (path: string, why: string) => untranslated.push(`${path}: ${why}`);

  const definitions = Object.entries(compose.services).flatMap(([name, definition]): Array<[string, Mapping]> => {
    if (isMapping(definition) && (typeof definition.image === "string" || definition.build !== undefined)) return [[name, definition]];
    note(name, "neither image nor build: not imported");
    return [];
  });
  const { names, notes: renames } = serviceNames(definitions.map(([name]) => name));
  untranslated.push(...renames);

  const drafts = definitions.map(([name, definition]) => ({ name, ...translateService(name, names.get(name)!, definition, note) }));
  const callers = new Map<string, string[]>();
  const services = new Map<string, FileService>();
  for (const { name, service, calls } of drafts) {
    const dependsOn: string[] = [];
    for (const callee of calls) {
      const label = names.get(callee);
      if (!label) note(`${name}.depends_on`, `${callee} is not a service imported from this file; left out`);
      else if (callee !== name && !dependsOn.includes(label)) {
        dependsOn.push(label);
        callers.set(callee, [...(callers.get(callee) ?? []), name]);
      }
    }
    service.dependsOn = dependsOn.sort(); // as an export writes them
  }
  for (const { name, service } of drafts) {
    const calledBy = callers.get(name);
    if (calledBy && service.listens === false) {
      note(name, `called by ${calledBy.join(", ")} but publishes no port: it gets listens: false; set listens: true once it listens on $PORT`);
    }
    services.set(names.get(name)!, checkedService(name, service, untranslated));
  }
  for (const key of Object.keys(compose.rest)) {
    if (key === "version") continue; // obsolete in the Compose Specification: nothing is lost
    note(key, key.startsWith("x-") ? "extension fields are not read" : (TOP_LEVEL[key] ?? DEFAULT_REASON));
  }
  return importedFile({ file: fileName, command: "gantry import compose" }, services, untranslated);
}

function readCompose(text: string, file: string): { services: Mapping; rest: Mapping } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const at = (offset: number, path: string, message: string) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path, message };
  };
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => at(e.pos[0], "", e.message.split(" at line")[0]!)));
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  const servicesNode = isMap(doc.contents) ? doc.contents.get("services", true) : undefined;
  if (!isMapping(root) || !isMapping(root.services) || Object.keys(root.services).length === 0) {
    throw new ConfigError([at((servicesNode as { range?: number[] } | undefined)?.range?.[0] ?? 0, "services", "a compose file names its services under services:")]);
  }
  const { services, ...rest } = root;
  return { services, rest };
}

type Note = (path: string, why: string) => void;

/** Keys read together with another, or on their own below. */
const HANDLED = new Set([
  "image", "build", "command", "entrypoint", "environment", "env_file", "depends_on", "links", "ports", "expose", "healthcheck",
  "deploy", "scale", "mem_limit", "cpus", "working_dir", "user", "stop_signal", "stop_grace_period", "restart",
]);

/** One compose service as a Gantry service, and the compose names it depends on. */
function translateService(name: string, label: string, definition: Mapping, note: Note): { service: ImportedService; calls: string[] } {
  const at = (key: string) => `${name}.${key}`;
  const service: ImportedService = { runtime: "docker", image: imageOf(name, label, definition, note), ...commandOf(definition, (key, why) => note(at(key), why)) };

  const env = environmentOf(definition.environment, (key, why) => note(at(key), why));
  if (env) service.env = env;
  if (definition.env_file !== undefined) note(at("env_file"), "not read: copy its variables into env (secrets as { fromEnv: NAME })");

  Object.assign(service, listenerOf(definition, (key, why) => note(at(key), why)));
  const readiness = probeOf(definition.healthcheck, (why) => note(at("healthcheck"), why));
  if (readiness) service.probes = { readiness };
  Object.assign(service, resourcesOf(definition, (key, why) => note(at(key), why)));

  if (typeof definition.working_dir === "string") {
    if (definition.working_dir.startsWith("/")) service.cwd = definition.working_dir;
    else note(at("working_dir"), "a container's working directory is an absolute path; left out");
  }
  if (typeof definition.user === "string" || typeof definition.user === "number") service.user = String(definition.user);
  if (definition.stop_signal !== undefined) {
    const signal = String(definition.stop_signal).toUpperCase().replace(/^(?!SIG)/, "SIG");
    if ((stopSignals as readonly string[]).includes(signal)) service.stopSignal = signal as (typeof stopSignals)[number];
    else note(at("stop_signal"), `${String(definition.stop_signal)} is not one of ${stopSignals.join(", ")}; left out`);
  }
  if (definition.stop_grace_period !== undefined) {
    const seconds = durationSeconds(definition.stop_grace_period);
    if (seconds === null) note(at("stop_grace_period"), `${String(definition.stop_grace_period)} is not a duration; left out`);
    else service.gracePeriodSeconds = Math.ceil(seconds);
  }
  const restart = restartOf(definition, (key, why) => note(at(key), why));
  if (restart) service.restartPolicy = restart;

  for (const [key, value] of Object.entries(definition)) {
    if (HANDLED.has(key) || value === undefined) continue;
    note(at(key), key.startsWith("x-") ? "extension fields are not read" : (NOT_TRANSLATED[key] ?? DEFAULT_REASON));
  }
  return { service, calls: callsOf(definition, (key, why) => note(at(key), why)) };
}

/** The image to run. Gantry builds nothing: a `build:` gets a placeholder under localhost/ (never pulled from a public registry) and the command that builds it. */
function imageOf(name: string, label: string, definition: Mapping, note: Note): string {
  const image = typeof definition.image === "string" ? definition.image : null;
  const valid = image !== null && imageReference.safeParse(image).success;
  const target = valid ? image : `localhost/${label}`;
  if (image !== null && !valid) note(`${name}.image`, `${image} is not an image reference Gantry accepts (compose fills \${…} in from the shell): written as ${target}, a placeholder`);
  if (definition.build !== undefined) {
    const build: Mapping = isMapping(definition.build) ? definition.build : { context: definition.build };
    const flags = [
      typeof build.dockerfile === "string" ? `-f ${build.dockerfile}` : "",
      typeof build.target === "string" ? `--target ${build.target}` : "",
    ].filter(Boolean);
    const context = typeof build.context === "string" ? build.context : ".";
    note(`${name}.build`, `Gantry runs images and builds none: build it first with \`docker build -t ${target} ${[...flags, context].join(" ")}\`${valid ? "" : ` (${target} is a placeholder)`}`);
  }
  return target;
}

/**
 * Words of a command line as compose splits a string `command`/`entrypoint` (quotes and
 * backslashes as a POSIX shell reads them; no expansion). null when a quote is left open.
 */
export function words(line: string): string[] | null {
  const result: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && '"\\$`'.includes(line[i + 1] ?? "")) word += line[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (inWord) result.push(word);
      word = "";
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\" && i + 1 < line.length) word += line[++i];
      else word += c;
    }
  }
  if (quote) return null;
  if (inWord) result.push(word);
  return result;
}

/** `$$` is compose's escape for a literal `$`; any other `$NAME`/`${…}` is filled in from the shell by compose. */
const interpolates = (text: string) => /\$(\{|[A-Za-z_])/.test(text.replace(/\$\$/g, ""));
const literal = (text: string) => text.replace(/\$\$/g, "$");

function argvOf(value: unknown, key: string, note: Note): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const argv = typeof value === "string" ? words(value) : Array.isArray(value) ? value.map(String) : null;
  if (argv === null) {
    note(key, typeof value === "string" ? "a quote is left open; left out" : "neither a string nor a list; left out");
    return undefined;
  }
  if (argv.some(interpolates)) note(key, "compose fills ${…} in from the shell; Gantry passes it as written");
  return argv.map(literal);
}

/** Gantry's command replaces the image's entrypoint and args its command, as compose's entrypoint and command do. */
function commandOf(definition: Mapping, note: Note): Pick<ImportedService, "command" | "args" | "shell"> {
  const entrypoint = argvOf(definition.entrypoint, "entrypoint", note);
  const command = argvOf(definition.command, "command", note);
  if (entrypoint && entrypoint.length > 0) {
    // `sh -c <line>` as the entrypoint is what Gantry's shell: true runs.
    if (entrypoint.length === 3 && /^(\/bin\/)?sh$/.test(entrypoint[0]!) && entrypoint[1] === "-c" && !command?.length) return { command: entrypoint[2]!, shell: true };
    return { command: entrypoint[0]!, args: [...entrypoint.slice(1), ...(command ?? [])] };
  }
  if (entrypoint) {
    // An empty entrypoint clears the image's: the command runs as it is.
    return command && command.length > 0 ? { command: command[0]!, args: command.slice(1) } : {};
  }
  if (command && command.length === 0) note("command", "an empty command clears the image's; Gantry keeps it when args are empty");
  return command && command.length > 0 ? { args: command } : {};
}

/** environment: a map or a list of NAME=value; secrets and values compose takes from the shell become references. */
function environmentOf(value: unknown, note: Note): Record<string, string | SecretRef> | undefined {
  if (value === undefined || value === null) return undefined;
  const pairs: Array<[string, string | null]> = Array.isArray(value)
    ? value.map((line) => {
        const text = String(line);
        const equals = text.indexOf("=");
        return equals === -1 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)];
      })
    : isMapping(value)
      ? Object.entries(value).map(([name, v]) => [name, v === null || v === undefined ? null : String(v)])
      : [];
  if (!Array.isArray(value) && !isMapping(value)) note("environment", "neither a map nor a list; left out");
  const env: Record<string, string | SecretRef> = {};
  for (const [name, raw] of pairs) {
    if (name === "__proto__") {
      note("environment", "__proto__ can't be used as a name; left out");
      continue;
    }
    const key = `environment.${name}`;
    const reference = raw === null ? null : /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(?::?[-?])[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(raw);
    const fromShell = reference ? (reference[1] ?? reference[2])! : null;
    if (raw === null) {
      env[name] = { fromEnv: name };
      note(key, `no value: compose takes it from the shell; written as { fromEnv: ${name} }`);
    } else if (looksSecret(name)) {
      const variable = fromShell ?? name;
      env[name] = { fromEnv: variable };
      note(key, `looks like a secret: written as { fromEnv: ${variable} } (the compose file's value is not copied); set ${variable} where the file is applied`);
    } else if (fromShell) {
      env[name] = { fromEnv: fromShell };
      note(key, `compose takes ${raw} from the shell: written as { fromEnv: ${fromShell} }${/[-?]/.test(raw) ? " (its default is not kept)" : ""}`);
    } else {
      if (interpolates(raw)) note(key, "compose fills ${…} in from the shell; Gantry passes the value as written");
      if (raw.startsWith("/run/secrets/")) note(key, `${raw} is a compose secret's mount, which Gantry doesn't make: give the secret itself in env as { fromEnv: NAME } or { fromFile: path }`);
      env[name] = literal(raw);
    }
  }
  return env;
}

type Port = { text: string; target: string; published?: string; protocol: string };

/** One entry of `ports`: a number, `[ip:][published:]target[/protocol]`, or the long form. */
function portOf(entry: unknown): Port | null {
  if (typeof entry === "number") return { text: String(entry), target: String(entry), protocol: "tcp" };
  if (typeof entry === "string") {
    const [spec = "", protocol = "tcp"] = entry.split("/");
    const unbracketed = spec.startsWith("[") ? spec.slice(spec.indexOf("]:") + 2) : spec;
    const parts = unbracketed.split(":");
    const target = parts.pop()!;
    const published = parts.pop();
    return { text: entry, target, ...(published ? { published } : {}), protocol };
  }
  if (isMapping(entry) && entry.target !== undefined) {
    const published = entry.published === undefined ? undefined : String(entry.published);
    const text = `${published ? `${published}:` : ""}${String(entry.target)}`;
    return { text, target: String(entry.target), ...(published ? { published } : {}), protocol: typeof entry.protocol === "string" ? entry.protocol : "tcp" };
  }
  return null;
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/**
 * ports/expose: the container listens, on the PORT Gantry gives each instance (not on the port it
 * names), and a published host port becomes the service's listener port when Gantry allows it.
 */
function listenerOf(definition: Mapping, note: Note): Pick<ImportedService, "listens" | "listenPort"> {
  const ports = listOf(definition.ports).map((entry) => ({ entry, port: portOf(entry) }));
  const exposed = listOf(definition.expose).map(String);
  let main: { port: Port; listener: Pick<ImportedService, "listens" | "listenPort"> } | null = null;
  for (const { entry, port } of ports) {
    if (!port || !/^\d+$/.test(port.target)) note("ports", `${JSON.stringify(entry)}: not a single container port; left out`);
    else if (port.protocol !== "tcp") note("ports", `${port.text}: Gantry serves TCP only; left out`);
    else if (main) note("ports", `${port.text}: a service listens on one port (PORT); left out`);
    else {
      const published = port.published && /^\d+$/.test(port.published) ? Number(port.published) : null;
      const pinned = published !== null && published >= 1024 && published <= 65535;
      const where = published === null ? "" : pinned ? `; published ${published} became listenPort ${published}` : `; published ${published} is below 1024: Gantry picks the listener port`;
      note("ports", `${port.text}: instances listen on the PORT Gantry gives each, not on ${port.target}: make the image listen on $PORT${where}`);
      main = { port, listener: pinned ? { listens: true, listenPort: published } : { listens: true } };
    }
  }
  if (main) {
    if (exposed.length > 0) note("expose", `${exposed.join(", ")}: a service listens on one port (PORT); left out`);
    return main.listener;
  }
  if (exposed.length > 0) {
    note("expose", `${exposed[0]}: instances listen on the PORT Gantry gives each, not on ${exposed[0]}: make the image listen on $PORT${exposed.length > 1 ? `; ${exposed.slice(1).join(", ")} left out` : ""}`);
    return { listens: true };
  }
  return { listens: false };
}

/** A Go duration as compose writes them (`1m30s`, `500ms`, `10s`); a bare number is seconds. */
export function durationSeconds(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== "string" || !/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(value.trim())) return null;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let seconds = 0;
  for (const [, amount, , suffix] of value.trim().matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) seconds += Number(amount) * unit[suffix!]!;
  return seconds;
}

/** Docker's own defaults, written out so the probe checks as often as the healthcheck did. */
const HEALTHCHECK_DEFAULTS = { interval: 30, timeout: 30, retries: 3 };
type ReadinessInput = NonNullable<NonNullable<ImportedService["probes"]>["readiness"]>;

/** healthcheck → an exec readiness probe: CMD is the argv, CMD-SHELL and a plain string run with /bin/sh -c. */
function probeOf(healthcheck: unknown, note: (why: string) => void): ReadinessInput | undefined {
  if (healthcheck === undefined || healthcheck === null) return undefined;
  if (!isMapping(healthcheck)) return void note("not a map; left out");
  if (healthcheck.disable === true) return void note("disabled: no probe");
  const test = healthcheck.test;
  let command: string[] | null = null;
  if (typeof test === "string") command = ["/bin/sh", "-c", test];
  else if (Array.isArray(test) && test[0] === "CMD" && test.length > 1) command = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === "CMD-SHELL" && test.length > 1) command = ["/bin/sh", "-c", test.slice(1).map(String).join(" ")];
  else if (Array.isArray(test) && test[0] === "NONE") return void note("NONE: the image's healthcheck is off; no probe");
  if (!command) return void note(test === undefined ? "no test: the image's own healthcheck isn't known here; no probe" : `test ${JSON.stringify(test)} is not CMD, CMD-SHELL or a string; no probe`);

  const timing = (key: "interval" | "timeout" | "start_period"): number | undefined => {
    if (healthcheck[key] === undefined) return undefined;
    const seconds = durationSeconds(healthcheck[key]);
    if (seconds === null) note(`${key} ${String(healthcheck[key])} is not a duration; Docker's default used`);
    return seconds ?? undefined;
  };
  const startPeriod = timing("start_period");
  const retries = typeof healthcheck.retries === "number" ? healthcheck.retries : HEALTHCHECK_DEFAULTS.retries;
  if (healthcheck.start_interval !== undefined) note("start_interval: Gantry probes at one interval");
  return {
    kind: "exec",
    command,
    periodSeconds: timing("interval") ?? HEALTHCHECK_DEFAULTS.interval,
    timeoutSeconds: timing("timeout") ?? HEALTHCHECK_DEFAULTS.timeout,
    failureThreshold: retries,
    ...(startPeriod ? { initialDelaySeconds: startPeriod } : {}),
  };
}

/** Bytes as compose writes them (`512m`, `1g`, `1.5GB`, 1048576) → whole MiB, rounded up. */
export function memoryMb(value: unknown): number | null {
  let bytes: number | null = null;
  if (typeof value === "number" && value > 0) bytes = value;
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(value.trim()) : null;
  if (match) bytes = Number(match[1]) * 1024 ** "bkmgt".indexOf((match[2] || "b").toLowerCase());
  return bytes === null ? null : Math.max(1, Math.ceil(bytes / 1024 ** 2));
}

/** deploy.replicas / scale, and memory and CPU limits (deploy.resources.limits, or mem_limit and cpus). */
function resourcesOf(definition: Mapping, note: Note): Pick<ImportedService, "replicas" | "memoryLimitMb" | "cpuLimit"> {
  const result: Pick<ImportedService, "replicas" | "memoryLimitMb" | "cpuLimit"> = {};
  const deploy = isMapping(definition.deploy) ? definition.deploy : {};
  const replicas = deploy.replicas ?? definition.scale;
  if (typeof replicas === "number") result.replicas = replicas;
  const resources = isMapping(deploy.resources) ? deploy.resources : {};
  const limits = isMapping(resources.limits) ? resources.limits : {};
  const memory = limits.memory ?? definition.mem_limit;
  if (memory !== undefined) {
    const mb = memoryMb(memory);
    if (mb === null) note(limits.memory !== undefined ? "deploy.resources.limits.memory" : "mem_limit", `${String(memory)} is not a size; left out`);
    else result.memoryLimitMb = mb;
  }
  const cpus = limits.cpus ?? definition.cpus;
  if (cpus !== undefined) {
    const cores = Number(cpus);
    if (Number.isFinite(cores) && cores > 0) result.cpuLimit = cores;
    else note(limits.cpus !== undefined ? "deploy.resources.limits.cpus" : "cpus", `${String(cpus)} is not a number of cores; left out`);
  }
  for (const key of Object.keys(limits)) if (key !== "memory" && key !== "cpus") note(`deploy.resources.limits.${key}`, DEFAULT_REASON);
  for (const key of Object.keys(resources)) if (key !== "limits") note(`deploy.resources.${key}`, "Gantry schedules on one host: only limits are kept");
  for (const key of Object.keys(deploy)) {
    if (key === "replicas" || key === "resources" || (key === "restart_policy" && definition.restart === undefined)) continue;
    note(`deploy.${key}`, key === "update_config" ? "set the rollout in strategy (maxSurge, maxUnavailable)" : DEFAULT_REASON);
  }
  return result;
}

/** restart (or deploy.restart_policy.condition) → restartPolicy. Without either, Gantry's default (always) stays. */
function restartOf(definition: Mapping, note: Note): RestartPolicy | undefined {
  if (definition.restart !== undefined) {
    const restart = String(definition.restart);
    if (restart === "no") return "never";
    if (restart === "always") return "always";
    if (restart === "unless-stopped") {
      note("restart", "unless-stopped: written as always (Gantry stops an instance only when asked)");
      return "always";
    }
    if (restart.startsWith("on-failure")) {
      if (restart.includes(":")) note("restart", `${restart}: Gantry retries with backoff, without a count`);
      return "on-failure";
    }
    note("restart", `${restart} is not no, always, on-failure or unless-stopped; left out`);
    return undefined;
  }
  const policy = isMapping(definition.deploy) && isMapping(definition.deploy.restart_policy) ? definition.deploy.restart_policy : null;
  if (!policy) return undefined;
  for (const key of Object.keys(policy)) if (key !== "condition") note(`deploy.restart_policy.${key}`, "Gantry retries with its own backoff");
  const byCondition: Record<string, RestartPolicy> = { none: "never", "on-failure": "on-failure", any: "always" };
  return byCondition[String(policy.condition)];
}

/** depends_on (list, or map with conditions) and links → the compose names this service calls. */
function callsOf(definition: Mapping, note: Note): string[] {
  const calls: string[] = [];
  const dependsOn = definition.depends_on;
  if (Array.isArray(dependsOn)) calls.push(...dependsOn.map(String));
  else if (isMapping(dependsOn)) {
    calls.push(...Object.keys(dependsOn));
    const conditions = Object.entries(dependsOn).flatMap(([callee, spec]) =>
      isMapping(spec) && spec.condition !== undefined && spec.condition !== "service_started" ? [`${callee}: ${String(spec.condition)}`] : [],
    );
    if (conditions.length > 0) note("depends_on", `conditions (${conditions.join(", ")}) are not kept: dependsOn draws who calls whom (NAME_URL); Gantry starts services side by side`);
  }
  if (Array.isArray(definition.links)) {
    const linked = definition.links.map((link) => String(link).split(":")[0]!);
    calls.push(...linked);
    note("links", `${linked.join(", ")} became dependsOn (aliases are not kept)`);
  }
  return calls;
}
