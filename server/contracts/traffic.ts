import { z } from "zod";
import { namedRecord } from "./keys";

export const balancerPolicies = ["round_robin", "weighted", "least_request", "ring_hash", "random"] as const;
export type BalancerPolicy = (typeof balancerPolicies)[number];

const weight = z.number().min(0).max(1000);

export const hashOn = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("header"), name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a valid header name") }),
  z.object({ kind: z.literal("cookie"), name: z.string().min(1).max(256).regex(/^[^\s;=,]+$/, "not a valid cookie name") }),
  z.object({ kind: z.literal("client_ip") }),
]);

const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "host must be a hostname such as shop.example.com (or *.example.com)");

export const route = z.object({
  /** null: any host. */
  host: hostname.nullable().default(null),
  pathPrefix: z.string().trim().startsWith("/", "path prefix must start with /").max(1024).default("/"),
  /** Send `/api/users` as `/users` for the prefix `/api`. */
  stripPrefix: z.boolean().default(false),
});
export type Route = z.infer<typeof route>;

/**
 * What the service speaks, which decides what its listeners do: `http` (HTTP/1.1) balances each
 * request, `tcp` each connection (bytes piped both ways), `http2` and `grpc` (cleartext HTTP/2 with
 * prior knowledge, to the listener and to instances) each stream, gRPC with its status, deadlines
 * and retry rules. The ingress routes `http` services only.
 */
export const protocols = ["http", "tcp", "http2", "grpc"] as const;
export type Protocol = (typeof protocols)[number];

/** How traffic reaches a service. Changing it never restarts the service's own instances (its callers' links may change). */
export const trafficSettings = z.object({
  protocol: z.enum(protocols).default("http"),
  policy: z.enum(balancerPolicies).default("round_robin"),
  /** For `weighted`: per instance id, else per revision number, else 1. */
  weights: z
    .object({ instances: namedRecord(z.string(), weight).default({}), revisions: namedRecord(z.string().regex(/^\d+$/), weight).default({}) })
    .default({ instances: {}, revisions: {} }),
  /** For `ring_hash`: what keeps a client on the same instance. */
  hashOn: hashOn.default({ kind: "client_ip" }),
  routes: z.array(route).max(50).default([]),
  /** Attempts after the first, on connect errors, resets before a response, and 502/503 to idempotent requests. */
  retries: z.number().int().min(0).max(5).default(2),
  connectTimeoutMs: z.number().int().min(10).max(60_000).default(2000),
  /** Until the response head arrives. */
  requestTimeoutMs: z.number().int().min(10).max(600_000).default(30_000),
  /**
   * For idempotent requests: a try with no response head after this long is given up (counted
   * against that instance, as for outlier ejection) and the request sent to another instance, while
   * retries are left. Null: a try is given up only when its instance looks hung (alive, accepting,
   * answering nothing while others answer: see HUNG_AFTER_MS in the proxy's exchange.ts).
   */
  perTryTimeoutMs: z.number().int().min(10).max(600_000).nullable().default(null),
  /** Circuit breaking: upstream connections, and requests waiting for one. */
  maxConnections: z.number().int().min(1).max(100_000).default(1024),
  maxPendingRequests: z.number().int().min(0).max(100_000).default(1024),
  /** Where the service's instances serve their own Prometheus metrics; listed by /api/sd/prometheus. */
  metricsPath: z.string().trim().startsWith("/", "metrics path must start with /").max(512).nullable().default(null),
  /** Passive outlier detection. */
  outlier: z
    .object({
      consecutiveErrors: z.number().int().min(1).max(1000).default(5),
      baseEjectionSeconds: z.number().min(0.1).max(3600).default(30),
      maxEjectionPercent: z.number().min(0).max(100).default(50),
    })
    .default({ consecutiveErrors: 5, baseEjectionSeconds: 30, maxEjectionPercent: 50 }),
});
export type TrafficSettings = z.infer<typeof trafficSettings>;

/** Why a service can't have ingress routes, if it can't: the ingress speaks HTTP/1.1. */
export function routesIssue(protocol: Protocol): string | undefined {
  return protocol === "http" ? undefined : `routes are for http services: the ingress speaks HTTP/1.1; call a ${protocol} service on its own listener`;
}
export type TrafficSettingsInput = z.input<typeof trafficSettings>;

export const listenPort = z.number().int().min(1024, "listener ports start at 1024").max(65535);

/** A `tcp` dependency has no scheme to put in a URL, and gRPC clients dial a host:port target. */
export const linksByAddress = (protocol: Protocol) => protocol === "tcp" || protocol === "grpc";

/** `user-api` → `USER_API_URL` (or `REDIS_ADDR` for a tcp or grpc one): how a dependent finds a dependency. */
export function dependencyEnvName(serviceName: string, protocol: Protocol = "http"): string {
  return `${serviceName.toUpperCase().replace(/-/g, "_")}${linksByAddress(protocol) ? "_ADDR" : "_URL"}`;
}

/** The value of a dependency's link: a URL where the protocol has a scheme, else host:port. */
export function dependencyAddress(protocol: Protocol, host: string, port: number): string {
  return linksByAddress(protocol) ? `${host}:${port}` : `http://${host}:${port}`;
}

type Edge = { fromId: string; toId: string; port: number | null };
/** What a link needs of the service an edge points to. */
export type Callee = { name: string; protocol: Protocol };

/** What a service's instances should be given for its dependency edges: TO_URL (or TO_ADDR) → that edge's listener. */
export function linksOf(serviceId: string, dependencies: readonly Edge[], calleeOf: (id: string) => Callee | undefined, host: string): Record<string, string> {
  const links: Record<string, string> = {};
  for (const edge of dependencies) {
    const callee = edge.fromId === serviceId && edge.port !== null ? calleeOf(edge.toId) : undefined;
    if (callee) links[dependencyEnvName(callee.name, callee.protocol)] = dependencyAddress(callee.protocol, host, edge.port!);
  }
  return links;
}

/**
 * Edges drawn or removed since the service's current revision, which its instances don't have yet
 * (compared by name and listener port: the dashboard doesn't know the host Gantry gives out).
 */
export function pendingLinks(links: Record<string, string>, expected: Record<string, string>): { added: string[]; removed: string[] } {
  const portOf = (url: string | undefined) => url?.slice(url.lastIndexOf(":") + 1);
  const has = (record: Record<string, string>, name: string) => Object.hasOwn(record, name);
  return {
    added: Object.keys(expected).filter((name) => !has(links, name) || portOf(links[name]) !== portOf(expected[name])),
    removed: Object.keys(links).filter((name) => !has(expected, name)),
  };
}
