import type { TrafficSettings } from "../../../contracts/traffic";
import type { EndpointConfig } from "../types";

/** How a service's traffic settings read as an HAProxy backend, or why they can't. */
export type BackendSettings =
  | { refused: string }
  | {
      refused?: undefined;
      mode: "http" | "tcp";
      /** Bind and server option for HTTP/2 with prior knowledge (http2, grpc). */
      h2: boolean;
      /** Lines inside the `backend` section. */
      directives: string[];
      /** Options every server of the backend carries (dynamic servers take no `default-server`). */
      serverOptions: string;
    };

/** TCP sessions (a database connection, a stream) stay open for long: Gantry's TCP proxy never times them out while idle. */
export const TCP_IDLE_TIMEOUT = "1h";

/**
 * The backend that honours `settings` as closely as HAProxy can, or a refusal naming what it can't
 * do (the caller reports it rather than serve the service other than asked).
 *
 * Not mapped, by design (documented in the README): passive outlier ejection (HAProxy only ejects
 * servers it health-checks, and Gantry runs the probes itself) and `maxPendingRequests` (HAProxy
 * queues requests over `maxconn` without a count limit, for at most `timeout queue`).
 *
 * `retries` retries failed connections, as HAProxy does by default. With `retryResponses`, also an
 * idempotent request whose instance closed without answering or answered 502 or 503, as Gantry's
 * own data plane does; HAProxy can then only resend a request it copied first, and copies its
 * whole 16 KB buffer for every request, retried or not: ~2.5 µs of CPU, 15–20 % of what it spends
 * per request in `bench:proxy` on a 2-core machine.
 */
export function backendSettings(settings: TrafficSettings, retryResponses: boolean): BackendSettings {
  if (settings.perTryTimeoutMs !== null) return { refused: "a per-try timeout (perTryTimeoutMs) has no HAProxy equivalent; clear it or use GANTRY_DATA_PLANE=node" };
  const mode = settings.protocol === "tcp" ? "tcp" : "http";
  const balance = balanceDirectives(settings, mode);
  if ("refused" in balance) return balance;
  const directives = [
    ...balance.lines,
    `timeout connect ${settings.connectTimeoutMs}ms`,
    // Until the response head, as Gantry's requestTimeoutMs; HAProxy's is an inactivity timeout, the same for a head that never comes.
    `timeout server ${mode === "tcp" ? TCP_IDLE_TIMEOUT : `${settings.requestTimeoutMs}ms`}`,
    `timeout queue ${settings.connectTimeoutMs}ms`,
    `retries ${settings.retries}`,
    // A retry goes to another instance, as Gantry's does.
    ...(settings.retries > 0 ? ["option redispatch 1"] : []),
    ...(mode === "http" && settings.retries > 0 && retryResponses
      ? [
          "retry-on conn-failure empty-response 502 503",
          // Gantry retries a request that may have reached an instance only when it is idempotent.
          "http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE TRACE }",
        ]
      : []),
  ];
  const h2 = settings.protocol === "http2" || settings.protocol === "grpc";
  // A server added at run time has no pool of idle connections unless given one (a static server's
  // defaults, written out): without it every request opens a connection to its instance.
  const pool = "pool-max-conn -1 pool-purge-delay 5s";
  return { mode, h2, directives, serverOptions: `maxconn ${settings.maxConnections} ${pool}${h2 ? " proto h2" : ""}` };
}

function balanceDirectives(settings: TrafficSettings, mode: "http" | "tcp"): { lines: string[] } | { refused: string } {
  switch (settings.policy) {
    case "round_robin":
    case "weighted":
      return { lines: ["balance roundrobin"] };
    case "least_request":
      return { lines: ["balance leastconn"] };
    case "random":
      return { lines: ["balance random"] };
    case "ring_hash": {
      const { hashOn } = settings;
      if (hashOn.kind === "client_ip") return { lines: ["balance source", "hash-type consistent"] };
      if (mode === "tcp") return { refused: `a tcp service can only hash on the client IP, not on a ${hashOn.kind}` };
      const key = hashOn.kind === "header" ? `hdr(${hashOn.name})` : `hash req.cook(${hashOn.name})`;
      return { lines: [`balance ${key}`, "hash-type consistent"] };
    }
  }
}

/** HAProxy weights run 0–256; Gantry's 0–1000. */
const MAX_WEIGHT = 256;

/**
 * Each endpoint's HAProxy weight. Gantry's weights (per instance, else per revision, else 1) apply
 * to the `weighted` policy only; above 256 they are scaled down together, keeping their ratios (a
 * non-zero weight never becomes 0).
 */
export function endpointWeights(settings: TrafficSettings, endpoints: readonly EndpointConfig[]): Map<string, number> {
  const wanted = endpoints.map((e): [string, number] => [
    e.id,
    settings.policy === "weighted" ? (settings.weights.instances[e.id] ?? settings.weights.revisions[String(e.revision)] ?? 1) : 1,
  ]);
  const highest = Math.max(0, ...wanted.map(([, w]) => w));
  const scale = highest > MAX_WEIGHT ? MAX_WEIGHT / highest : 1;
  return new Map(wanted.map(([id, w]) => [id, w === 0 ? 0 : Math.max(1, Math.round(w * scale))]));
}
