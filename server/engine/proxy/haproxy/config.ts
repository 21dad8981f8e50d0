import { routesIssue } from "../../../contracts/traffic";
import { listenerKey, type ClusterConfig, type DataPlaneConfig, type IngressRoute, type ListenerConfig } from "../types";
import { backendSettings, endpointWeights, TCP_IDLE_TIMEOUT } from "./settings";

/** A server HAProxy should have: one per endpoint, named after its instance. */
export type DesiredServer = { backend: string; name: string; instanceId: string; serviceId: string; address: string; weight: number; options: string };

/** What became of a listener in the rendered configuration. */
export type RenderedListener = { key: string; listener: ListenerConfig; frontend: string | null; error: string | null };

export type RenderedConfig = {
  /** The whole configuration file. */
  text: string;
  /**
   * The same without the server lines: when only this stays the same, a change is applied through
   * the runtime API (servers added, weighted, drained, removed), with no reload.
   */
  structure: string;
  listeners: RenderedListener[];
  /** By `backend/name`. */
  servers: Map<string, DesiredServer>;
  /** Backend name → service id. */
  backends: Map<string, string>;
  /** Things asked for that HAProxy mode does not do (logged by the caller). */
  refusals: string[];
};

export type RenderOptions = {
  /** The admin socket of the workers (the runtime API). */
  socket: string;
  /** Listener keys whose port another process holds: left out, reported failed. */
  unavailable: ReadonlyMap<string, string>;
  /** GANTRY_HAPROXY_RETRY_RESPONSES (see backendSettings). */
  retryResponses: boolean;
};

/** HAProxy names allow letters, digits and `-_.:`; ids are uuids, anything else is replaced. */
const nameOf = (text: string) => text.replace(/[^A-Za-z0-9_.:-]/g, "_");
export const backendName = (serviceId: string) => `svc_${nameOf(serviceId)}`;
export const serverName = (instanceId: string) => nameOf(instanceId);
const frontendName = (key: string) => nameOf(key.replace(":", "_"));

/** `host:port` as HAProxy reads an address (IPv6 literals need the ipv6@ prefix). */
export const addressOf = (host: string, port: number) => (host.includes(":") ? `ipv6@${host}:${port}` : `${host}:${port}`);

/** A server line's arguments after its name, shared by the configuration file and `add server`. */
export const serverArguments = (server: DesiredServer) => `${server.address} weight ${server.weight} ${server.options}`;

/**
 * Renders the whole HAProxy configuration for a Gantry data plane configuration: one frontend per
 * listener, one backend per service (servers named after instances), the ingress as host and path
 * ACLs that pick a backend. Pure: the caller writes, validates and loads it.
 */
export function renderConfig(config: DataPlaneConfig, options: RenderOptions): RenderedConfig {
  const refusals: string[] = [];
  const backends = new Map<string, string>();
  const servers = new Map<string, DesiredServer>();
  const backendRefusals = new Map<string, string>();
  const modes = new Map<string, { mode: "http" | "tcp"; h2: boolean }>();
  const backendSections: string[] = [];
  const serverSections: string[] = [];

  for (const cluster of config.clusters) {
    const rendered = renderBackend(cluster, options.retryResponses);
    if (rendered.refused !== undefined) {
      backendRefusals.set(cluster.serviceId, rendered.refused);
      refusals.push(`service ${cluster.serviceName}: ${rendered.refused}`);
      continue;
    }
    backends.set(rendered.name, cluster.serviceId);
    modes.set(cluster.serviceId, rendered.settings);
    for (const server of rendered.servers) servers.set(`${server.backend}/${server.name}`, server);
    backendSections.push(rendered.head.join("\n"));
    serverSections.push([...rendered.head, ...rendered.servers.map((s) => `  server ${s.name} ${serverArguments(s)}`)].join("\n"));
  }

  const listeners: RenderedListener[] = [];
  const frontends: string[] = [];
  for (const listener of config.listeners) {
    const key = listenerKey(listener);
    const unavailable = options.unavailable.get(key);
    if (unavailable) {
      listeners.push({ key, listener, frontend: null, error: unavailable });
      continue;
    }
    const rendered =
      listener.kind === "ingress"
        ? renderIngress(config, listener.port, modes, refusals)
        : renderServiceFrontend(config, key, listener.port, listener.kind === "service" ? listener.serviceId : listener.toId, modes, backendRefusals);
    if ("error" in rendered) listeners.push({ key, listener, frontend: null, error: rendered.error });
    else {
      listeners.push({ key, listener, frontend: frontendName(key), error: null });
      frontends.push(rendered.lines.join("\n"));
    }
  }
  for (const fault of config.faults ?? []) refusals.push(`listener ${fault.listener}: chaos faults (${fault.fault.kind}) are not injected by the haproxy data plane`);

  const head = globalSection(options.socket);
  return {
    text: [head, ...frontends, ...serverSections].join("\n\n") + "\n",
    structure: [head, ...frontends, ...backendSections].join("\n\n") + "\n",
    listeners,
    servers,
    backends,
    refusals,
  };
}

function globalSection(socket: string): string {
  return [
    "# Written by Gantry (GANTRY_DATA_PLANE=haproxy): changes here are replaced at its next change.",
    "global",
    `  stats socket ${socket} mode 600 level admin expose-fd listeners`,
    // A worker replaced by a reload finishes its requests; long-lived connections are cut after this.
    "  hard-stop-after 30s",
    // A replaced worker ends its keep-alive client connections over this window, each with a
    // `Connection: close` on its next response, instead of closing them all at once (a client racing
    // its next request on one would see it reset).
    "  close-spread-time 10s",
    "defaults",
    "  timeout client 60s",
    "  timeout http-request 10s",
    "  timeout http-keep-alive 60s",
    // After an upgrade (WebSocket), an idle tunnel stays open as long as through Gantry's own proxy.
    "  timeout tunnel 1h",
    "  timeout client-fin 1s",
    "  timeout server-fin 1s",
    "  option dontlognull",
    // The request id Gantry's own data plane adds, unless the client sent one.
    '  unique-id-format "%{+X}o%ci%cp%fp%Ts%rt"',
  ].join("\n");
}

function renderBackend(cluster: ClusterConfig, retryResponses: boolean) {
  const settings = backendSettings(cluster.settings, retryResponses);
  if (settings.refused !== undefined) return { refused: settings.refused } as const;
  const name = backendName(cluster.serviceId);
  const weights = endpointWeights(cluster.settings, cluster.endpoints);
  const http = settings.mode === "http";
  const head = [
    `backend ${name}`,
    `  mode ${settings.mode}`,
    // In the structure, so that a change of server options reloads rather than leave servers differing.
    `  # servers: ${settings.serverOptions}`,
    ...settings.directives.map((line) => `  ${line}`),
    ...(http
      ? [
          "  option forwardfor",
          "  http-request set-header x-forwarded-proto http unless { req.hdr(x-forwarded-proto) -m found }",
          "  http-request set-header x-forwarded-host %[req.hdr(host)] if { req.hdr(host) -m found } !{ req.hdr(x-forwarded-host) -m found }",
          "  http-request set-header x-request-id %[unique-id] unless { req.hdr(x-request-id) -m found }",
        ]
      : []),
  ];
  const servers = cluster.endpoints.map(
    (e): DesiredServer => ({
      backend: name,
      name: serverName(e.id),
      instanceId: e.id,
      serviceId: cluster.serviceId,
      address: addressOf(e.host, e.port),
      weight: weights.get(e.id) ?? 1,
      options: settings.serverOptions,
    }),
  );
  return { refused: undefined, name, head, servers, settings: { mode: settings.mode, h2: settings.h2 } };
}

function bindLine(host: string, port: number, h2: boolean): string {
  return `  bind ${addressOf(host, port)}${h2 ? " proto h2" : ""}`;
}

function renderServiceFrontend(
  config: DataPlaneConfig,
  key: string,
  port: number,
  serviceId: string,
  modes: ReadonlyMap<string, { mode: "http" | "tcp"; h2: boolean }>,
  refusals: ReadonlyMap<string, string>,
): { lines: string[] } | { error: string } {
  const refused = refusals.get(serviceId);
  if (refused) return { error: `not served by the haproxy data plane: ${refused}` };
  const mode = modes.get(serviceId);
  if (!mode) return { error: `no service ${serviceId} in the configuration` };
  return {
    lines: [
      `frontend ${frontendName(key)}`,
      `  mode ${mode.mode}`,
      bindLine(config.host, port, mode.h2),
      ...(mode.mode === "tcp" ? [`  timeout client ${TCP_IDLE_TIMEOUT}`] : []),
      `  default_backend ${backendName(serviceId)}`,
    ],
  };
}

/** Route characters that need no quoting in an HAProxy configuration (a path prefix is otherwise free text). */
const plainPath = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/**
 * The ingress: each request is given the number of its route in a variable (the first in Gantry's
 * order that matches: longest path prefix, then exact host before wildcard before any), then the
 * route's prefix is stripped if asked and its backend chosen by that number. Deciding first and
 * rewriting after keeps a rewritten path from matching another route.
 */
function renderIngress(
  config: DataPlaneConfig,
  port: number,
  modes: ReadonlyMap<string, { mode: "http" | "tcp"; h2: boolean }>,
  refusals: string[],
): { lines: string[] } {
  const routes = orderRoutes(config.routes).filter((route) => {
    const mode = modes.get(route.serviceId);
    const issue = !mode ? `its service ${route.serviceId} is not served` : mode.mode !== "http" || mode.h2 ? routesIssue(mode.h2 ? "http2" : "tcp") : !plainPath.test(route.pathPrefix) ? "its path prefix has characters HAProxy mode does not route on" : undefined;
    if (issue) refusals.push(`ingress route ${route.host ?? "*"}${route.pathPrefix}: ${issue}`);
    return !issue;
  });
  const lines = [`frontend ingress`, "  mode http", bindLine(config.host, port, false), "  http-request set-var(txn.host) req.hdr(host),field(1,:),lower"];
  routes.forEach((route, index) => {
    for (const path of pathAlternatives(route.pathPrefix)) {
      const conditions = [hostCondition(route.host), path].filter(Boolean).join(" ");
      lines.push(`  http-request set-var(txn.route) int(${index}) if !{ var(txn.route) -m found } ${conditions}`.trimEnd());
    }
  });
  lines.push('  http-request return status 404 content-type text/plain lf-string "no route for host %[var(txn.host)] and path %[path]\\n" unless { var(txn.route) -m found }');
  const choices: string[] = [];
  routes.forEach((route, index) => {
    const chosen = `{ var(txn.route) -m int ${index} }`;
    if (route.stripPrefix && route.pathPrefix !== "/") {
      const kept = route.pathPrefix.replace(/\/$/, "").length;
      lines.push(`  http-request set-var(txn.rest) path,bytes(${kept}) if ${chosen}`);
      lines.push(`  http-request set-path %[var(txn.rest)] if ${chosen} { var(txn.rest) -m beg / }`);
      lines.push(`  http-request set-path /%[var(txn.rest)] if ${chosen} !{ var(txn.rest) -m beg / }`);
    }
    choices.push(`  use_backend ${backendName(route.serviceId)} if ${chosen}`);
  });
  return { lines: [...lines, ...choices] };
}

const hostScore = (host: string | null) => (host === null ? 1 : host.startsWith("*.") ? 2 : 3);

/** Gantry's precedence (router.ts): longest prefix first; among equals, exact host, then wildcard, then any. */
export function orderRoutes(routes: readonly IngressRoute[]): IngressRoute[] {
  return [...routes].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length || hostScore(b.host) - hostScore(a.host));
}

function hostCondition(host: string | null): string {
  if (host === null) return "";
  if (host.startsWith("*.")) return `{ var(txn.host) -m end ${host.slice(1)} }`;
  return `{ var(txn.host) -m str ${host} }`;
}

/**
 * `/api` covers `/api` and `/api/…` but not `/apis` (HAProxy's `path` has no query string). Each
 * alternative gets a rule of its own: in an HAProxy condition AND binds tighter than OR.
 */
function pathAlternatives(prefix: string): string[] {
  if (prefix === "/") return [""];
  if (prefix.endsWith("/")) return [`{ path -m beg ${prefix} }`];
  return [`{ path -m str ${prefix} }`, `{ path -m beg ${prefix}/ }`];
}
