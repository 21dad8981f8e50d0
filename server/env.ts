import fs from "node:fs";
import path from "node:path";
import { isIP } from "node:net";
import { z } from "zod";
import { roles, username, type Role } from "./contracts/access";
import { parseDuration } from "./contracts/registration";
import { defaultRealtimeLimits } from "./realtime/limits";

const port = z.coerce.number().int().min(1).max(65535);

const portRange = (from: number, to: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+-\d+$/, `must look like ${from}-${to}`)
    .transform((range) => {
      const [low, high] = range.split("-").map(Number) as [number, number];
      return { from: low, to: high };
    })
    .refine((range) => range.from >= 1024 && range.to <= 65535 && range.from <= range.to, "must be an ascending range within 1024-65535")
    .default({ from, to });

const databaseUrl = z
  .string()
  .trim()
  .refine((url) => /^(postgres(ql)?|pglite):/.test(url), "must start with postgres://, postgresql:// or pglite:");

const flag = z.enum(["0", "1"]);

/** A whole number written in plain digits (no 0x, exponent or decimal point), within bounds. */
const digits = (message: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,6}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);

/** A cap of at least 1, its default the example. */
const count = (what: string, fallback: number) => digits(`must be a whole number of ${what} from 1 to 999999, such as ${fallback}`, 1, 999_999).default(fallback);

const duration = (fallback: string, min: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < parseDuration(min)!) {
        ctx.addIssue({ code: "custom", message: `must be a duration of at least ${min}, such as 12h or 30m` });
        return z.NEVER;
      }
      return ms;
    });

const publicUrl = z
  .string()
  .trim()
  .url("must be the URL people open, such as https://gantry.example.com")
  .transform((url) => new URL(url))
  .refine((url) => (url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/" && !url.search && !url.username, "must be an http(s) URL with no path, such as https://gantry.example.com");

/** Comma-separated, trimmed, empty items dropped. */
const list = z
  .string()
  .trim()
  .transform((text) => text.split(",").map((item) => item.trim()).filter(Boolean));

/**
 * ZooKeeper's connect string: `host:port` pairs separated by commas, optionally followed by a
 * chroot path (`zk1:2181,zk2:2181/apps`). Hosts are names, IPv4 or bracketed IPv6 addresses.
 */
const zookeeperConnect = z
  .string()
  .trim()
  .superRefine((text, ctx) => {
    const chrootAt = text.indexOf("/");
    const [servers, chroot] = chrootAt === -1 ? [text, undefined] : [text.slice(0, chrootAt), text.slice(chrootAt)];
    const problem =
      servers
        .split(",")
        .map((server) => server.trim())
        .map(zookeeperServerProblem)
        .find(Boolean) ?? (chroot !== undefined && !/^(\/[^/\s]+)+$/.test(chroot) ? `"${chroot}" is not a chroot path such as /apps` : undefined);
    if (problem) ctx.addIssue({ code: "custom", message: `${problem}; expected host:port pairs separated by commas, such as 127.0.0.1:2181,zk2:2181` });
  });

function zookeeperServerProblem(server: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(server);
  if (!match) return server ? `"${server}" is not host:port` : "an empty server";
  const [, host, portText] = match as unknown as [string, string, string];
  if (host.startsWith("[") && isIP(host.slice(1, -1)) !== 6) return `"${host}" is not an IPv6 address`;
  const portNumber = Number(portText);
  if (portNumber < 1 || portNumber > 65535) return `${portText} is not a port (1-65535)`;
  return undefined;
}

/** `group=role,other=role`: OIDC claim values mapped to Gantry roles. */
const roleMap = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const map: Record<string, Role> = {};
    for (const pair of text.split(",").map((p) => p.trim()).filter(Boolean)) {
      const [value, role] = pair.split("=").map((part) => part.trim());
      if (!value || !roles.includes(role as Role)) {
        ctx.addIssue({ code: "custom", message: `"${pair}" should look like admins=admin (roles: ${roles.join(", ")})` });
        return z.NEVER;
      }
      map[value] = role as Role;
    }
    return map;
  });

export const dataPlaneKinds = ["node", "haproxy"] as const;

const envSchema = z.object({
  GANTRY_HOST: z.string().trim().min(1).default("127.0.0.1"),
  GANTRY_PORT: port.default(3000),
  GANTRY_DATA_DIR: z.string().trim().min(1).default("./.gantry"),
  DATABASE_URL: databaseUrl.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GANTRY_DEMO: z.enum(["0", "1"]).default("1"),
  GANTRY_DASHBOARD: z.enum(["0", "1"]).default("1"),
  GANTRY_PORT_RANGE: portRange(20000, 29999),
  GANTRY_LISTENER_PORT_RANGE: portRange(16000, 19999),
  /** 1: connect to the Swarm manager at boot (and say clearly if the daemon isn't one), not only when a swarm service needs it. */
  GANTRY_SWARM: flag.default("0"),
  /** The Swarm manager's API (unix:///… or tcp://host:port); defaults to DOCKER_HOST. */
  GANTRY_SWARM_HOST: z.string().trim().regex(/^(unix:\/\/\/|tcp:\/\/)\S+$/, "must look like unix:///var/run/docker.sock or tcp://manager:2376").optional(),
  /** The address of Gantry's host that swarm tasks on every node reach: their `<NAME>_URL` links point there. */
  GANTRY_SWARM_ADVERTISE: z.union([z.ipv4(), z.ipv6()], { error: "must be an IP address of this host that every swarm node reaches" }).optional(),
  /** Ports of swarm tasks, on whichever node runs them: each swarm service takes a block of 100. */
  GANTRY_SWARM_PORT_RANGE: portRange(30000, 39999),
  /** 0 turns the ingress gateway off. */
  GANTRY_INGRESS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** 0: one per core but one, at most 4. */
  GANTRY_PROXY_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  /** How long the data plane keeps serving after Gantry died, for the next Gantry to take it over. */
  GANTRY_DATA_PLANE_ORPHAN_TIMEOUT: duration("10m", "1s"),
  /** Which program carries service traffic: Gantry's own Node data plane, or HAProxy driven through its runtime API. */
  GANTRY_DATA_PLANE: z.enum(dataPlaneKinds, { error: `must be one of ${dataPlaneKinds.join(", ")}` }).default("node"),
  /** The haproxy binary for GANTRY_DATA_PLANE=haproxy; unset, found on PATH or at /usr/sbin/haproxy. */
  GANTRY_HAPROXY_PATH: z.string().trim().min(1).optional(),
  /** HAProxy mode: retry idempotent requests that got an empty, 502 or 503 response too (HAProxy copies each request to be able to). */
  GANTRY_HAPROXY_RETRY_RESPONSES: flag.default("0"),
  GANTRY_ALERT_INTERVAL: duration("5s", "100ms"),
  /** Live dashboards: WebSocket connections and topic subscriptions, in all and per client address. */
  GANTRY_REALTIME_CONNECTIONS: count("connections", defaultRealtimeLimits.sockets),
  GANTRY_REALTIME_CONNECTIONS_PER_ADDRESS: count("connections", defaultRealtimeLimits.socketsPerAddress),
  GANTRY_REALTIME_SUBSCRIPTIONS: count("subscriptions", defaultRealtimeLimits.subscriptions),
  GANTRY_REALTIME_SUBSCRIPTIONS_PER_ADDRESS: count("subscriptions", defaultRealtimeLimits.subscriptionsPerAddress),
  /** How often autoscalers look at their services' metrics (Kubernetes' HPA: 15 s). */
  GANTRY_AUTOSCALE_SYNC: duration("15s", "1s"),
  /** Comma-separated etcd client URLs; set, ready endpoints are mirrored into etcd. */
  GANTRY_ETCD_ENDPOINTS: z
    .string()
    .trim()
    .transform((list) => list.split(",").map((url) => url.trim()).filter(Boolean))
    .refine((urls) => urls.length > 0 && urls.every((url) => /^https?:\/\/[^/\s]+\/?$/.test(url)), "must be comma-separated URLs such as http://127.0.0.1:2379")
    .optional(),
  GANTRY_ETCD_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(10),
  /** ZooKeeper's connect string; set, ready endpoints are mirrored into ZooKeeper (Curator's layout). */
  GANTRY_ZOOKEEPER_CONNECT: zookeeperConnect.optional(),
  GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Set, Consul's DNS interface (`<service>.service.consul`) answers on this port, UDP and TCP. */
  GANTRY_DNS_PORT: digits("must be a port number from 1 to 65535, such as 8600", 1, 65535).optional(),
  /** TTL of DNS answers; 0 (Consul's default) means clients ask again each time. */
  GANTRY_DNS_TTL_SECONDS: digits("must be a whole number of seconds from 0 to 86400, such as 0 or 5", 0, 86400).optional(),
  /** Encrypts secret environment values at rest; unset, a key is kept in the data dir. */
  GANTRY_SECRET_KEY: z.string().trim().min(1).optional(),
  /** The previous key, while rotating: values it sealed are re-sealed with GANTRY_SECRET_KEY at boot. */
  GANTRY_SECRET_KEY_PREVIOUS: z.string().trim().min(1).optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),

  /** The URL people open (behind a reverse proxy, or a name on the network): its host is allowed. */
  GANTRY_PUBLIC_URL: publicUrl.optional(),
  /** Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. */
  GANTRY_TRUST_PROXY: list.refine((items) => items.every((item) => isIP(item) !== 0), "must be comma-separated IP addresses of your reverse proxies").optional(),
  GANTRY_TLS_CERT: z.string().trim().optional(),
  GANTRY_TLS_KEY: z.string().trim().optional(),
  GANTRY_ADMIN_USER: username.default("admin"),
  GANTRY_ADMIN_PASSWORD: z.string().min(10, "must be at least 10 characters").optional(),
  GANTRY_ADMIN_PASSWORD_FILE: z.string().trim().optional(),
  /** An admin API token accepted from the first boot, like Consul's initial management token. */
  GANTRY_BOOTSTRAP_TOKEN: z.string().trim().min(20, "must be at least 20 characters (e.g. openssl rand -hex 32)").optional(),
  /** The role that may read instance logs. */
  GANTRY_LOG_ROLE: z.enum(roles).default("viewer"),
  GANTRY_SESSION_IDLE: duration("12h", "1m"),
  GANTRY_SESSION_MAX: duration("168h", "1m"),
  /** Anonymous reads, each opened on its own (Consul's default policy for the catalog). */
  GANTRY_ANONYMOUS_METRICS: flag.default("0"),
  GANTRY_ANONYMOUS_SD: flag.default("0"),
  GANTRY_ANONYMOUS_CATALOG: flag.default("0"),
  GANTRY_OIDC_ISSUER: z
    .string()
    .trim()
    .url("must be the provider's issuer URL")
    // Over plain http, codes and tokens would cross the network readable: only for a provider on this machine.
    .refine((issuer) => issuer.startsWith("https://") || (issuer.startsWith("http://") && isLoopback(new URL(issuer).hostname.replace(/^\[|\]$/g, ""))), "must be https:// (http:// only for a provider on this machine)")
    .optional(),
  GANTRY_OIDC_SCOPES: z.string().trim().min(1).default("openid profile email"),
  GANTRY_OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  GANTRY_OIDC_CLIENT_SECRET: z.string().trim().min(1).optional(),
  /** The button's text: "Sign in with <name>". */
  GANTRY_OIDC_NAME: z.string().trim().min(1).max(64).default("single sign-on"),
  /** The ID token claim holding the user's groups or roles (a string or a list of strings). */
  GANTRY_OIDC_ROLE_CLAIM: z.string().trim().min(1).default("groups"),
  GANTRY_OIDC_ROLES: roleMap.default({}),
  /** Role of a user none of whose claim values is mapped; unset, such a user is refused. */
  GANTRY_OIDC_DEFAULT_ROLE: z.enum(roles).optional(),
});

export type Env = {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  demo: boolean;
  /** Serve the Next.js dashboard; 0 runs the API, WebSocket and engine only. */
  dashboard: boolean;
  dev: boolean;
  /** Ports handed to instances as PORT. */
  portRange: { from: number; to: number };
  /** Ports of service and dependency listeners. */
  listenerPortRange: { from: number; to: number };
  /** The Swarm runtime: its manager, its tasks' port range, and whether to connect at boot. */
  swarm: SwarmSettings;
  /** The ingress gateway's port; 0 for none. */
  ingressPort: number;
  /** Data plane worker processes; 0 picks by core count. */
  proxyWorkers: number;
  dataPlaneOrphanMs: number;
  /** The data plane that carries traffic: Gantry's own, or HAProxy (with the binary found at boot). */
  dataPlane: DataPlaneChoice;
  /** How often alert rules are evaluated. */
  alertIntervalMs: number;
  /** How often autoscalers decide. */
  autoscaleSyncMs: number;
  /** Caps of the realtime gateway (live dashboards' WebSockets). */
  realtime: RealtimeSettings;
  /** Mirror ready endpoints into etcd. */
  etcd: { endpoints: string[]; leaseSeconds: number } | undefined;
  /** Mirror ready endpoints into ZooKeeper. */
  zookeeper: { connect: string; sessionTimeoutSeconds: number } | undefined;
  /** Consul's DNS interface on GANTRY_HOST; off unless GANTRY_DNS_PORT is set. */
  dns: { port: number; ttlSeconds: number } | undefined;
  /** GANTRY_SECRET_KEY, if set (see lib/secret-box). */
  secretKey: string | undefined;
  /** GANTRY_SECRET_KEY_PREVIOUS: a key being rotated out. */
  previousSecretKey: string | undefined;
  access: AccessSettings;
};

export type DataPlaneChoice = { kind: "node" } | { kind: "haproxy"; binary: string; retryResponses: boolean };

/** HAProxy mode needs the binary now, not at the first request: boot stops with what to install or set. */
function dataPlaneChoice(kind: (typeof dataPlaneKinds)[number], binaryPath: string | undefined, searchPath: string | undefined, retryResponses: boolean): DataPlaneChoice {
  if (kind === "node") return { kind };
  if (binaryPath) {
    if (!isExecutable(binaryPath)) throw new EnvError(`GANTRY_HAPROXY_PATH=${JSON.stringify(binaryPath)} is not an executable file; point it at the haproxy binary`);
    return { kind, binary: binaryPath, retryResponses };
  }
  const binary = findHaproxy(searchPath);
  if (!binary) throw new EnvError("GANTRY_DATA_PLANE=haproxy but no haproxy binary was found on PATH or at /usr/sbin/haproxy: apt-get install haproxy, or set GANTRY_HAPROXY_PATH");
  return { kind, binary, retryResponses };
}

function findHaproxy(searchPath: string | undefined): string | undefined {
  const directories = [...(searchPath ?? "").split(":").filter(Boolean), "/usr/sbin"];
  return directories.map((directory) => path.join(directory, "haproxy")).find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export type RealtimeSettings = { sockets: number; socketsPerAddress: number; subscriptions: number; subscriptionsPerAddress: number };

export type OidcSettings = {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  name: string;
  scopes: string;
  roleClaim: string;
  roles: Record<string, Role>;
  defaultRole: Role | undefined;
};

/** Who may connect and how they prove who they are (see server/access). */
export type AccessSettings = {
  publicUrl: URL | undefined;
  trustProxy: string[];
  /** PEM contents, read at boot. */
  tls: { cert: string; key: string } | undefined;
  /** Creates this admin on a boot that finds no user. */
  admin: { username: string; password: string } | undefined;
  bootstrapToken: string | undefined;
  logRole: Role;
  sessionIdleMs: number;
  sessionMaxMs: number;
  anonymous: { metrics: boolean; sd: boolean; catalog: boolean };
  oidc: OidcSettings | undefined;
};

export class EnvError extends Error {
  override readonly name = "EnvError";
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** Parses the environment once at boot. Throws EnvError with one readable line naming the variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new EnvError(`${name}=${JSON.stringify(source[name])} is invalid: ${issue.message}`);
  }
  const env = result.data;
  if (!isLoopback(env.GANTRY_HOST) && !env.GANTRY_PUBLIC_URL) {
    throw new EnvError(
      `GANTRY_HOST=${env.GANTRY_HOST} listens beyond this machine, so GANTRY_PUBLIC_URL must say the URL people open ` +
        "(e.g. https://gantry.example.com): only its host is accepted in requests, which is what stops DNS-rebinding attacks.",
    );
  }
  const [instances, listeners] = [env.GANTRY_PORT_RANGE, env.GANTRY_LISTENER_PORT_RANGE];
  if (instances.from <= listeners.to && listeners.from <= instances.to) {
    throw new EnvError(`GANTRY_LISTENER_PORT_RANGE overlaps GANTRY_PORT_RANGE; listeners and instances need ports apart`);
  }
  const dns = dnsSettings(env);
  return {
    host: env.GANTRY_HOST,
    port: env.GANTRY_PORT,
    dataDir: path.resolve(env.GANTRY_DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    logLevel: env.LOG_LEVEL,
    demo: env.GANTRY_DEMO === "1",
    dashboard: env.GANTRY_DASHBOARD === "1",
    portRange: env.GANTRY_PORT_RANGE,
    listenerPortRange: env.GANTRY_LISTENER_PORT_RANGE,
    swarm: swarmSettings(env, "GANTRY_SWARM_PORT_RANGE" in present),
    ingressPort: env.GANTRY_INGRESS_PORT,
    proxyWorkers: env.GANTRY_PROXY_WORKERS,
    dataPlaneOrphanMs: env.GANTRY_DATA_PLANE_ORPHAN_TIMEOUT,
    dataPlane: dataPlaneChoice(env.GANTRY_DATA_PLANE, env.GANTRY_HAPROXY_PATH, present.PATH, env.GANTRY_HAPROXY_RETRY_RESPONSES === "1"),
    alertIntervalMs: env.GANTRY_ALERT_INTERVAL,
    autoscaleSyncMs: env.GANTRY_AUTOSCALE_SYNC,
    realtime: realtimeSettings(env),
    etcd: env.GANTRY_ETCD_ENDPOINTS ? { endpoints: env.GANTRY_ETCD_ENDPOINTS, leaseSeconds: env.GANTRY_ETCD_LEASE_SECONDS } : undefined,
    zookeeper: env.GANTRY_ZOOKEEPER_CONNECT ? { connect: env.GANTRY_ZOOKEEPER_CONNECT, sessionTimeoutSeconds: env.GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS } : undefined,
    dns,
    dev: env.NODE_ENV === "development",
    secretKey: env.GANTRY_SECRET_KEY,
    previousSecretKey: env.GANTRY_SECRET_KEY_PREVIOUS,
    access: {
      publicUrl: env.GANTRY_PUBLIC_URL,
      trustProxy: env.GANTRY_TRUST_PROXY ?? [],
      tls: tlsFiles(env.GANTRY_TLS_CERT, env.GANTRY_TLS_KEY),
      admin: adminAccount(env.GANTRY_ADMIN_USER, env.GANTRY_ADMIN_PASSWORD, env.GANTRY_ADMIN_PASSWORD_FILE),
      bootstrapToken: env.GANTRY_BOOTSTRAP_TOKEN,
      logRole: env.GANTRY_LOG_ROLE,
      sessionIdleMs: env.GANTRY_SESSION_IDLE,
      sessionMaxMs: env.GANTRY_SESSION_MAX,
      anonymous: { metrics: env.GANTRY_ANONYMOUS_METRICS === "1", sd: env.GANTRY_ANONYMOUS_SD === "1", catalog: env.GANTRY_ANONYMOUS_CATALOG === "1" },
      oidc: oidcSettings(env),
    },
  };
}

export type SwarmSettings = {
  connect: boolean;
  host: string | undefined;
  portBlocks: { from: number; to: number };
  pollMs?: number;
  /** Where swarm tasks reach Gantry's listeners (GANTRY_SWARM_ADVERTISE); unset: where every instance does. */
  advertise?: string;
};

/**
 * Swarm tasks' ports come in blocks of 100 (block b: b×100+1 … b×100+99); the range must hold one. A
 * range given must keep apart from the others; the default one is not held against a GANTRY_PORT_RANGE
 * moved onto it (that Gantry may never run a swarm service, and its boot must not change).
 */
function swarmSettings(env: z.infer<typeof envSchema>, rangeGiven: boolean): SwarmSettings {
  const range = env.GANTRY_SWARM_PORT_RANGE;
  const portBlocks = { from: Math.ceil((range.from - 1) / 100), to: Math.floor((range.to - 99) / 100) };
  if (portBlocks.from > portBlocks.to) throw new EnvError(`GANTRY_SWARM_PORT_RANGE=${range.from}-${range.to} holds no block of 100 ports (x01-x99); give it at least one, e.g. 30001-30099`);
  const clash = ([["GANTRY_PORT_RANGE", env.GANTRY_PORT_RANGE], ["GANTRY_LISTENER_PORT_RANGE", env.GANTRY_LISTENER_PORT_RANGE]] as const).find(([, other]) => range.from <= other.to && other.from <= range.to);
  if (clash && rangeGiven) throw new EnvError(`GANTRY_SWARM_PORT_RANGE overlaps ${clash[0]}; swarm tasks need ports apart`);
  const advertise = env.GANTRY_SWARM_ADVERTISE;
  // Links point at Gantry's listeners, which listen on GANTRY_HOST only.
  if (advertise && advertise !== env.GANTRY_HOST && env.GANTRY_HOST !== "0.0.0.0" && env.GANTRY_HOST !== "::") {
    throw new EnvError(`GANTRY_SWARM_ADVERTISE=${advertise} is where swarm tasks reach Gantry's listeners, but they listen on GANTRY_HOST=${env.GANTRY_HOST}: set GANTRY_HOST to ${advertise} or 0.0.0.0`);
  }
  return { connect: env.GANTRY_SWARM === "1", host: env.GANTRY_SWARM_HOST, portBlocks, ...(advertise ? { advertise } : {}) };
}

function realtimeSettings(env: z.infer<typeof envSchema>): RealtimeSettings {
  const settings = {
    sockets: env.GANTRY_REALTIME_CONNECTIONS,
    socketsPerAddress: env.GANTRY_REALTIME_CONNECTIONS_PER_ADDRESS,
    subscriptions: env.GANTRY_REALTIME_SUBSCRIPTIONS,
    subscriptionsPerAddress: env.GANTRY_REALTIME_SUBSCRIPTIONS_PER_ADDRESS,
  };
  // A per-address cap above the total would read as a promise the total then breaks.
  if (settings.socketsPerAddress > settings.sockets) {
    throw new EnvError(`GANTRY_REALTIME_CONNECTIONS_PER_ADDRESS=${settings.socketsPerAddress} is more than GANTRY_REALTIME_CONNECTIONS=${settings.sockets}, the connections allowed in all`);
  }
  if (settings.subscriptionsPerAddress > settings.subscriptions) {
    throw new EnvError(`GANTRY_REALTIME_SUBSCRIPTIONS_PER_ADDRESS=${settings.subscriptionsPerAddress} is more than GANTRY_REALTIME_SUBSCRIPTIONS=${settings.subscriptions}, the subscriptions allowed in all`);
  }
  return settings;
}

function dnsSettings(env: z.infer<typeof envSchema>): Env["dns"] {
  const { GANTRY_DNS_PORT: port, GANTRY_DNS_TTL_SECONDS: ttlSeconds } = env;
  if (port === undefined) {
    if (ttlSeconds !== undefined) throw new EnvError("GANTRY_DNS_TTL_SECONDS is set but GANTRY_DNS_PORT is not: set the port to turn the DNS interface on");
    return undefined;
  }
  // The DNS interface listens on TCP too, on the same host as Gantry's other ports.
  const clash =
    port === env.GANTRY_PORT ? "GANTRY_PORT" : port === env.GANTRY_INGRESS_PORT ? "GANTRY_INGRESS_PORT" : ([["GANTRY_PORT_RANGE", env.GANTRY_PORT_RANGE], ["GANTRY_LISTENER_PORT_RANGE", env.GANTRY_LISTENER_PORT_RANGE]] as const).find(([, range]) => port >= range.from && port <= range.to)?.[0];
  if (clash) throw new EnvError(`GANTRY_DNS_PORT=${port} is also ${clash.endsWith("RANGE") ? "inside " : ""}${clash}; give the DNS interface a port of its own (Consul's is 8600)`);
  return { port, ttlSeconds: ttlSeconds ?? 0 };
}

/** A file named by a variable; unreadable, boot stops with one line naming the variable. */
function readNamedFile(variable: string, file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new EnvError(`${variable}=${JSON.stringify(file)} can't be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function tlsFiles(cert: string | undefined, key: string | undefined): AccessSettings["tls"] {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new EnvError(`GANTRY_TLS_CERT and GANTRY_TLS_KEY go together: set both (PEM files) or neither`);
  const tls = { cert: readNamedFile("GANTRY_TLS_CERT", cert), key: readNamedFile("GANTRY_TLS_KEY", key) };
  if (!tls.cert.includes("-----BEGIN CERTIFICATE-----")) throw new EnvError(`GANTRY_TLS_CERT=${JSON.stringify(cert)} is not a PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.key)) throw new EnvError(`GANTRY_TLS_KEY=${JSON.stringify(key)} is not a PEM private key`);
  return tls;
}

function adminAccount(user: string, password: string | undefined, file: string | undefined): AccessSettings["admin"] {
  if (password && file) throw new EnvError("set GANTRY_ADMIN_PASSWORD or GANTRY_ADMIN_PASSWORD_FILE, not both");
  const secret = file ? readNamedFile("GANTRY_ADMIN_PASSWORD_FILE", file).replace(/\r?\n$/, "") : password;
  if (secret === undefined) return undefined;
  if (secret.length < 10) throw new EnvError(`GANTRY_ADMIN_PASSWORD_FILE=${JSON.stringify(file)} holds a password shorter than 10 characters`);
  return { username: user, password: secret };
}

function oidcSettings(env: z.infer<typeof envSchema>): OidcSettings | undefined {
  const { GANTRY_OIDC_ISSUER: issuer, GANTRY_OIDC_CLIENT_ID: clientId } = env;
  if (!issuer && !clientId) return undefined;
  if (!issuer || !clientId) throw new EnvError("GANTRY_OIDC_ISSUER and GANTRY_OIDC_CLIENT_ID go together: set both to enable single sign-on");
  return {
    issuer,
    clientId,
    clientSecret: env.GANTRY_OIDC_CLIENT_SECRET,
    name: env.GANTRY_OIDC_NAME,
    scopes: env.GANTRY_OIDC_SCOPES,
    roleClaim: env.GANTRY_OIDC_ROLE_CLAIM,
    roles: env.GANTRY_OIDC_ROLES,
    defaultRole: env.GANTRY_OIDC_DEFAULT_ROLE,
  };
}
