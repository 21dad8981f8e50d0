import { z } from "zod";
import { checkStatuses, type CheckStatus } from "./catalog";
import { namedRecord } from "./keys";
import { probe as probeSchema, type Probe } from "./probe";
import { serviceName } from "./service";

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go duration syntax as Consul takes it ("10s", "1m30s", "250ms") → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return undefined;
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * UNITS[unit!]!, 0);
}

const duration = (field: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `${field} must be a duration such as "10s" or "1m30s"` });
      return z.NEVER;
    }
    return ms;
  });

const consulCheck = z
  .object({
    CheckID: z.string().min(1).max(256).optional(),
    Name: z.string().max(256).optional(),
    HTTP: z.string().url("HTTP must be a URL such as http://10.0.0.5:8080/health").optional(),
    Method: z.literal("GET", { message: "only GET HTTP checks are supported" }).optional(),
    Header: namedRecord(z.string(), z.array(z.string())).optional(),
    TCP: z.string().regex(/^[^\s:]+:\d{1,5}$/, "TCP must be host:port").optional(),
    TTL: duration("TTL").optional(),
    Interval: duration("Interval").optional(),
    Timeout: duration("Timeout").optional(),
    Status: z.enum(checkStatuses).optional(),
  })
  .superRefine((check, ctx) => {
    const kinds = [check.HTTP, check.TCP, check.TTL].filter((k) => k !== undefined).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "a check needs exactly one of HTTP, TCP or TTL (other check types are not supported)" });
    if ((check.HTTP || check.TCP) && check.Interval === undefined) ctx.addIssue({ code: "custom", message: "HTTP and TCP checks need an Interval", path: ["Interval"] });
  });

/** The body of PUT /v1/agent/service/register (fields Gantry doesn't use are ignored). */
export const consulRegistration = z.object({
  ID: z.string().min(1).max(256).regex(/^[^/\s]+$/, "ID must not contain spaces or slashes").optional(),
  Name: serviceName,
  Tags: z.array(z.string().max(256)).max(64).nullish(),
  Address: z.string().max(253).nullish(),
  Port: z.number().int().min(0).max(65535).nullish(),
  Meta: namedRecord(z.string().max(128), z.string().max(512)).nullish(),
  Check: consulCheck.nullish(),
  Checks: z.array(consulCheck).max(16).nullish(),
});

export type CheckSpec = {
  id: string;
  name: string;
  kind: "http" | "tcp" | "ttl";
  /** URL (http) or host:port (tcp). */
  target: string;
  header: Record<string, string>;
  intervalMs: number;
  timeoutMs: number;
  ttlMs: number;
  initialStatus: CheckStatus;
};

export type RegistrationSpec = {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  checks: CheckSpec[];
};

const FIELDS = ["ID", "Name", "Tags", "Address", "Port", "Meta", "Check", "Checks", "CheckID", "HTTP", "Method", "Header", "TCP", "TTL", "Interval", "Timeout", "Status"];
const canonical = new Map(FIELDS.map((f) => [f.toLowerCase(), f]));

/** Consul reads JSON field names case-insensitively; so does Gantry, for the fields it knows. */
export function canonicalKeys(value: unknown, depth = 0): unknown {
  if (Array.isArray(value) && depth < 3) return value.map((v) => canonicalKeys(v, depth + 1));
  if (value === null || typeof value !== "object" || depth > 2) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      const name = canonical.get(key.toLowerCase()) ?? key;
      return [name, name === "Meta" || name === "Header" ? v : canonicalKeys(v, depth + 1)];
    }),
  );
}

/** A validated registration with Consul's defaults applied (IDs, check IDs, address, initial states). */
export function toRegistrationSpec(body: z.output<typeof consulRegistration>): RegistrationSpec {
  const id = body.ID ?? body.Name;
  const definitions = body.Checks ?? (body.Check ? [body.Check] : []);
  return {
    id,
    name: body.Name,
    address: body.Address || "127.0.0.1",
    port: body.Port ?? 0,
    tags: body.Tags ?? [],
    meta: body.Meta ?? {},
    checks: definitions.map((check, index) => ({
      id: check.CheckID ?? (body.Checks ? `service:${id}:${index + 1}` : `service:${id}`),
      name: check.Name ?? `Service '${body.Name}' check`,
      kind: check.HTTP ? "http" : check.TCP ? "tcp" : "ttl",
      target: check.HTTP ?? check.TCP ?? "",
      header: Object.fromEntries(Object.entries(check.Header ?? {}).map(([k, v]) => [k, v.join(", ")])),
      intervalMs: check.Interval ?? 10_000,
      timeoutMs: check.Timeout ?? 10_000,
      ttlMs: check.TTL ?? 0,
      initialStatus: check.Status ?? "critical",
    })),
  };
}

/** As probe periods, 0.1 s at least; at most a day (a timer for longer would overflow anyway). */
const TTL_MS = { min: 100, max: 24 * 3_600_000 };

/**
 * The probe an HTTP or TCP check runs, built with the engine's own probe schema (throws its
 * ZodError): the same rules decide at registration and when the engine starts the check.
 */
export function checkProbe(spec: Pick<CheckSpec, "kind" | "target" | "header" | "intervalMs" | "timeoutMs">): { probe: Probe; host: string; port: number } {
  const timing = { periodSeconds: spec.intervalMs / 1000, timeoutSeconds: spec.timeoutMs / 1000, successThreshold: 1, failureThreshold: 1 };
  if (spec.kind === "http") {
    const url = new URL(spec.target);
    const port = Number(url.port) || 80;
    return { probe: probeSchema.parse({ kind: "http", path: `${url.pathname}${url.search}`, port, headers: spec.header, ...timing }), host: url.hostname, port };
  }
  const colon = spec.target.lastIndexOf(":");
  const port = Number(spec.target.slice(colon + 1));
  return { probe: probeSchema.parse({ kind: "tcp", port, ...timing }), host: spec.target.slice(0, colon), port };
}

/** Why the engine couldn't run this check, in the agent API's field names; undefined if it can. */
function checkProblem(spec: CheckSpec): { field: string; message: string } | undefined {
  if (spec.kind === "ttl") {
    if (spec.ttlMs < TTL_MS.min) return { field: "TTL", message: "TTL must be at least 0.1 seconds" };
    if (spec.ttlMs > TTL_MS.max) return { field: "TTL", message: "TTL must be at most 24 hours" };
    return undefined;
  }
  if (spec.kind === "http" && !spec.target.startsWith("http://")) return { field: "HTTP", message: "HTTP must be an http:// URL (HTTPS checks are not supported)" };
  try {
    checkProbe(spec);
    return undefined;
  } catch (err) {
    const target = spec.kind === "http" ? "HTTP" : "TCP";
    if (!(err instanceof z.ZodError)) return { field: target, message: `${target} must be ${spec.kind === "http" ? "a URL" : "host:port"}` };
    const issue = err.issues[0]!;
    const field = issue.path[0] === "periodSeconds" ? "Interval" : issue.path[0] === "timeoutSeconds" ? "Timeout" : target;
    return { field, message: field === target ? `${target} port must be 1-65535` : `${field} ${issue.message}` };
  }
}

/** The agent API's body → what is stored: Consul's defaults applied, and every check one the engine can run. */
export const registrationInput = consulRegistration.transform(toRegistrationSpec).superRefine((spec, ctx) => {
  spec.checks.forEach((check, index) => {
    const problem = checkProblem(check);
    if (problem) ctx.addIssue({ code: "custom", path: ["Checks", index, problem.field], message: problem.message });
  });
});

/** A registration's checks as stored; read back with the same rules, so a bad row is found, not run. */
export const storedChecks = z
  .array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.enum(["http", "tcp", "ttl"]),
      target: z.string(),
      header: namedRecord(z.string(), z.string()),
      intervalMs: z.number(),
      timeoutMs: z.number(),
      ttlMs: z.number(),
      initialStatus: z.enum(checkStatuses),
    }),
  )
  .superRefine((checks, ctx) => {
    checks.forEach((check, index) => {
      const problem = checkProblem(check);
      if (problem) ctx.addIssue({ code: "custom", path: [index, problem.field === "Interval" ? "intervalMs" : problem.field === "Timeout" ? "timeoutMs" : problem.field === "TTL" ? "ttlMs" : "target"], message: problem.message });
    });
  });
