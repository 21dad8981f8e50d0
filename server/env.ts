import path from "node:path";
import { isIP } from "node:net";
import { z } from "zod";

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

const envSchema = z.object({
  GANTRY_HOST: z.string().trim().min(1).default("127.0.0.1"),
  GANTRY_PORT: port.default(3000),
  GANTRY_DATA_DIR: z.string().trim().min(1).default("./.gantry"),
  DATABASE_URL: databaseUrl.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GANTRY_DEMO: z.enum(["0", "1"]).default("1"),
  GANTRY_DASHBOARD: z.enum(["0", "1"]).default("1"),
  GANTRY_PORT_RANGE: portRange(20000, 29999),
  GANTRY_LISTENER_PORT_RANGE: portRange(19000, 19999),
  /** 0 turns the ingress gateway off. */
  GANTRY_INGRESS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** 0: one per core but one, at most 4. */
  GANTRY_PROXY_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  /** Comma-separated etcd client URLs; set, ready endpoints are mirrored into etcd. */
  GANTRY_ETCD_ENDPOINTS: z
    .string()
    .trim()
    .transform((list) => list.split(",").map((url) => url.trim()).filter(Boolean))
    .refine((urls) => urls.length > 0 && urls.every((url) => /^https?:\/\/[^/\s]+\/?$/.test(url)), "must be comma-separated URLs such as http://127.0.0.1:2379")
    .optional(),
  GANTRY_ETCD_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(10),
  /** Encrypts secret environment values at rest; unset, a key is kept in the data dir. */
  GANTRY_SECRET_KEY: z.string().trim().min(1).optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
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
  /** The ingress gateway's port; 0 for none. */
  ingressPort: number;
  /** Data plane worker processes; 0 picks by core count. */
  proxyWorkers: number;
  /** Mirror ready endpoints into etcd. */
  etcd: { endpoints: string[]; leaseSeconds: number } | undefined;
  /** GANTRY_SECRET_KEY, if set (see lib/secret-box). */
  secretKey: string | undefined;
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
  if (!isLoopback(env.GANTRY_HOST)) {
    throw new EnvError(
      `GANTRY_HOST=${env.GANTRY_HOST} is not a loopback address; Gantry refuses to listen beyond this machine ` +
        "until authentication exists, because the dashboard can start processes. Use 127.0.0.1 and a reverse proxy or SSH tunnel.",
    );
  }
  const [instances, listeners] = [env.GANTRY_PORT_RANGE, env.GANTRY_LISTENER_PORT_RANGE];
  if (instances.from <= listeners.to && listeners.from <= instances.to) {
    throw new EnvError(`GANTRY_LISTENER_PORT_RANGE overlaps GANTRY_PORT_RANGE; listeners and instances need ports apart`);
  }
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
    ingressPort: env.GANTRY_INGRESS_PORT,
    proxyWorkers: env.GANTRY_PROXY_WORKERS,
    etcd: env.GANTRY_ETCD_ENDPOINTS ? { endpoints: env.GANTRY_ETCD_ENDPOINTS, leaseSeconds: env.GANTRY_ETCD_LEASE_SECONDS } : undefined,
    dev: env.NODE_ENV === "development",
    secretKey: env.GANTRY_SECRET_KEY,
  };
}
