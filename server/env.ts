import path from "node:path";
import { isIP } from "node:net";
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);

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
  GANTRY_PORT_RANGE: z
    .string()
    .trim()
    .regex(/^\d+-\d+$/, "must look like 20000-29999")
    .transform((range) => {
      const [from, to] = range.split("-").map(Number) as [number, number];
      return { from, to };
    })
    .refine(({ from, to }) => from >= 1024 && to <= 65535 && from <= to, "must be an ascending range within 1024-65535")
    .default({ from: 20000, to: 29999 }),
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
  return {
    host: env.GANTRY_HOST,
    port: env.GANTRY_PORT,
    dataDir: path.resolve(env.GANTRY_DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    logLevel: env.LOG_LEVEL,
    demo: env.GANTRY_DEMO === "1",
    dashboard: env.GANTRY_DASHBOARD === "1",
    portRange: env.GANTRY_PORT_RANGE,
    dev: env.NODE_ENV === "development",
  };
}
