import { z } from "zod";

/**
 * What a data plane is started with, through its environment (readable in /proc, so nothing
 * secret goes there). Written by `settingsEnv` in the engine, read once by the data plane.
 */
export type DataPlaneSettings = {
  /** Its control socket, where Gantry (this one, or the next) reaches it. */
  socket: string;
  /** Its state file: pid, start time and build, for a Gantry that cannot reach it. */
  state: string;
  /** What it must match to be adopted by a Gantry rather than replaced (see build.ts). */
  build: string;
  /** How long it keeps serving without any Gantry before it retires. */
  orphanMs: number;
  /** Proxy worker processes; 0 picks by core count. */
  workers: number;
};

/** Listening sockets handed down by the data plane it replaces: their host, and port → descriptor. */
export type Inheritance = { host: string; sockets: Record<string, number> };

const INHERITED = "GANTRY_DATA_PLANE_INHERITED";

const schema = z.object({
  GANTRY_DATA_PLANE_SOCKET: z.string().min(1),
  GANTRY_DATA_PLANE_STATE: z.string().min(1),
  GANTRY_DATA_PLANE_BUILD: z.string().min(1),
  GANTRY_DATA_PLANE_ORPHAN_MS: z.coerce.number().int().positive(),
  GANTRY_PROXY_WORKERS: z.coerce.number().int().min(0),
  [INHERITED]: z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(z.object({ host: z.string(), sockets: z.record(z.string(), z.number().int().min(3)) }))
    .optional(),
});

export function settingsEnv(settings: DataPlaneSettings): Record<string, string> {
  return {
    GANTRY_DATA_PLANE_SOCKET: settings.socket,
    GANTRY_DATA_PLANE_STATE: settings.state,
    GANTRY_DATA_PLANE_BUILD: settings.build,
    GANTRY_DATA_PLANE_ORPHAN_MS: String(settings.orphanMs),
    GANTRY_PROXY_WORKERS: String(settings.workers),
  };
}

export function inheritanceEnv(inheritance: Inheritance): Record<string, string> {
  return { [INHERITED]: JSON.stringify(inheritance) };
}

/** Parsed once at the data plane's start; a malformed environment stops it with the reason. */
export function readSettings(env: NodeJS.ProcessEnv): DataPlaneSettings & { inheritance: Inheritance | undefined } {
  const parsed = schema.parse(env);
  return {
    socket: parsed.GANTRY_DATA_PLANE_SOCKET,
    state: parsed.GANTRY_DATA_PLANE_STATE,
    build: parsed.GANTRY_DATA_PLANE_BUILD,
    orphanMs: parsed.GANTRY_DATA_PLANE_ORPHAN_MS,
    workers: parsed.GANTRY_PROXY_WORKERS,
    inheritance: parsed[INHERITED],
  };
}
