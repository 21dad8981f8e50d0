import { describe, expect, it } from "vitest";
import { cluster } from "../testing/proxy-harness";
import type { DataPlaneConfig } from "../types";
import { orderRoutes, renderConfig } from "./config";
import { backendSettings, endpointWeights } from "./settings";
import { trafficSettings } from "../../../contracts/traffic";

const endpoint = (id: string, port: number, revision = 1) => ({ id, host: "127.0.0.1", port, revision });
const render = (config: Partial<DataPlaneConfig>, unavailable = new Map<string, string>()) =>
  renderConfig({ host: "127.0.0.1", clusters: [], listeners: [], routes: [], ...config }, { socket: "/data/haproxy.sock", unavailable, retryResponses: false });
const section = (text: string, head: string) => text.split("\n\n").find((s) => s.startsWith(head)) ?? "";

describe("rendering HAProxy's configuration", () => {
  it("gives each listener a frontend and each service a backend whose servers are its instances", () => {
    const rendered = render({
      clusters: [cluster("web", [endpoint("web-1", 20001), endpoint("web-2", 20002)]), cluster("db", [endpoint("db-1", 20003)], { protocol: "tcp" })],
      listeners: [
        { kind: "service", port: 16001, serviceId: "web" },
        { kind: "edge", port: 16002, edgeId: "e1", fromId: "web", toId: "db" },
      ],
    });
    expect(section(rendered.text, "# Written by Gantry")).toContain("stats socket /data/haproxy.sock mode 600 level admin expose-fd listeners");
    expect(section(rendered.text, "frontend service_web")).toBe(["frontend service_web", "  mode http", "  bind 127.0.0.1:16001", "  default_backend svc_web"].join("\n"));
    expect(section(rendered.text, "frontend edge_e1")).toContain("  mode tcp\n  bind 127.0.0.1:16002\n  timeout client 1h\n  default_backend svc_db");
    expect(section(rendered.text, "backend svc_web")).toMatch(/server web-1 127\.0\.0\.1:20001 weight 1 maxconn 1024 pool-max-conn -1 pool-purge-delay 5s\n  server web-2 127\.0\.0\.1:20002 weight 1 maxconn 1024 pool-max-conn -1 pool-purge-delay 5s$/);
    expect([...rendered.servers.keys()]).toEqual(["svc_web/web-1", "svc_web/web-2", "svc_db/db-1"]);
    expect(rendered.listeners.map((l) => [l.key, l.frontend, l.error])).toEqual([
      ["service:web", "service_web", null],
      ["edge:e1", "edge_e1", null],
    ]);
  });

  it("keeps endpoints out of the structure, so a scale changes servers and not the configuration that reloads", () => {
    const listeners = [{ kind: "service" as const, port: 16001, serviceId: "web" }];
    const one = render({ clusters: [cluster("web", [endpoint("web-1", 20001)])], listeners });
    const two = render({ clusters: [cluster("web", [endpoint("web-1", 20001), endpoint("web-2", 20002)])], listeners });
    const moved = render({ clusters: [cluster("web", [endpoint("web-1", 20001)])], listeners: [{ ...listeners[0]!, port: 16009 }] });
    const tuned = render({ clusters: [cluster("web", [endpoint("web-1", 20001)], { maxConnections: 10 })], listeners });
    expect(two.structure).toBe(one.structure);
    expect(two.text).not.toBe(one.text);
    expect(moved.structure).not.toBe(one.structure);
    expect(tuned.structure).not.toBe(one.structure); // server options are the same for every server: a change reloads
  });

  it("leaves out a listener whose port is held, and refuses what HAProxy can't do, naming it", () => {
    const rendered = render(
      {
        clusters: [cluster("web", []), cluster("hedged", [], { perTryTimeoutMs: 200 }), cluster("cache", [], { protocol: "tcp", policy: "ring_hash", hashOn: { kind: "header", name: "x-user" } })],
        listeners: [
          { kind: "service", port: 16001, serviceId: "web" },
          { kind: "service", port: 16002, serviceId: "hedged" },
          { kind: "service", port: 16003, serviceId: "cache" },
        ],
        faults: [{ id: "f", listener: "service:web", fault: { kind: "latency", ms: 100, percent: 50 }, until: 0 }],
      },
      new Map([["service:web", "port held"]]),
    );
    expect(rendered.listeners.map((l) => [l.key, l.frontend, l.error])).toEqual([
      ["service:web", null, "port held"],
      ["service:hedged", null, expect.stringMatching(/^not served by the haproxy data plane: a per-try timeout/)],
      ["service:cache", null, expect.stringMatching(/a tcp service can only hash on the client IP/)],
    ]);
    expect(rendered.text).not.toContain("16001");
    expect(rendered.refusals).toEqual([
      expect.stringMatching(/^service hedged: a per-try timeout/),
      expect.stringMatching(/^service cache: a tcp service/),
      "listener service:web: chaos faults (latency) are not injected by the haproxy data plane",
    ]);
  });

  it("routes the ingress in Gantry's order, deciding the route before stripping its prefix", () => {
    const rendered = render({
      clusters: [cluster("shop", []), cluster("api", []), cluster("stream", [], { protocol: "http2" })],
      listeners: [{ kind: "ingress", port: 8080 }],
      routes: [
        { host: null, pathPrefix: "/", stripPrefix: false, serviceId: "shop" },
        { host: "*.example.com", pathPrefix: "/api", stripPrefix: true, serviceId: "api" },
        { host: null, pathPrefix: "/stream", stripPrefix: false, serviceId: "stream" },
      ],
    });
    const ingress = section(rendered.text, "frontend ingress");
    expect(ingress.split("\n").filter((l) => l.includes("set-var(txn.route)"))).toEqual([
      "  http-request set-var(txn.route) int(0) if !{ var(txn.route) -m found } { var(txn.host) -m end .example.com } { path -m str /api }",
      "  http-request set-var(txn.route) int(0) if !{ var(txn.route) -m found } { var(txn.host) -m end .example.com } { path -m beg /api/ }",
      "  http-request set-var(txn.route) int(1) if !{ var(txn.route) -m found }",
    ]);
    expect(ingress).toContain("  http-request set-var(txn.rest) path,bytes(4) if { var(txn.route) -m int 0 }");
    expect(ingress.trimEnd().split("\n").slice(-2)).toEqual(["  use_backend svc_api if { var(txn.route) -m int 0 }", "  use_backend svc_shop if { var(txn.route) -m int 1 }"]);
    expect(rendered.refusals).toEqual([expect.stringMatching(/^ingress route \*\/stream: routes are for http services/)]);
  });

  it("orders routes by longest prefix, then exact host, wildcard, any", () => {
    const route = (host: string | null, pathPrefix: string) => ({ host, pathPrefix, stripPrefix: false, serviceId: "s" });
    expect(orderRoutes([route(null, "/a"), route("*.x.com", "/a"), route("a.x.com", "/a"), route(null, "/a/b")])).toEqual([
      route(null, "/a/b"),
      route("a.x.com", "/a"),
      route("*.x.com", "/a"),
      route(null, "/a"),
    ]);
  });
});

describe("traffic settings as an HAProxy backend", () => {
  const settings = (input: Parameters<typeof trafficSettings.parse>[0]) => trafficSettings.parse(input);

  it.each([
    [{ policy: "round_robin" }, ["balance roundrobin"]],
    [{ policy: "least_request" }, ["balance leastconn"]],
    [{ policy: "random" }, ["balance random"]],
    [{ policy: "ring_hash", hashOn: { kind: "client_ip" } }, ["balance source", "hash-type consistent"]],
    [{ policy: "ring_hash", hashOn: { kind: "header", name: "x-user" } }, ["balance hdr(x-user)", "hash-type consistent"]],
    [{ policy: "ring_hash", hashOn: { kind: "cookie", name: "sid" } }, ["balance hash req.cook(sid)", "hash-type consistent"]],
  ] as const)("balances %o with %o", (input, lines) => {
    const backend = backendSettings(settings(input), false);
    expect(backend.refused).toBeUndefined();
    if (backend.refused === undefined) expect(backend.directives.slice(0, lines.length)).toEqual(lines);
  });

  it("maps timeouts and retries (of responses too, for idempotent methods, only if asked), HTTP/2 and TCP", () => {
    const http = backendSettings(settings({ connectTimeoutMs: 500, requestTimeoutMs: 9000, retries: 3 }), false);
    if (http.refused !== undefined) throw new Error(http.refused);
    expect(http.directives).toEqual(expect.arrayContaining(["timeout connect 500ms", "timeout server 9000ms", "retries 3", "option redispatch 1"]));
    expect(http.directives.some((d) => d.startsWith("retry-on") || d.includes("l7-retry"))).toBe(false);
    const responses = backendSettings(settings({ retries: 3 }), true);
    if (responses.refused !== undefined) throw new Error(responses.refused);
    expect(responses.directives).toEqual(expect.arrayContaining(["retry-on conn-failure empty-response 502 503", "http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE TRACE }"]));
    const grpc = backendSettings(settings({ protocol: "grpc" }), false);
    expect(grpc).toMatchObject({ mode: "http", h2: true, serverOptions: "maxconn 1024 pool-max-conn -1 pool-purge-delay 5s proto h2" });
    const tcp = backendSettings(settings({ protocol: "tcp", retries: 0 }), true);
    if (tcp.refused !== undefined) throw new Error(tcp.refused);
    expect(tcp.mode).toBe("tcp");
    expect(tcp.directives).toContain("timeout server 1h");
    expect(tcp.directives.some((d) => d.startsWith("retry-on") || d.startsWith("option redispatch"))).toBe(false);
  });

  it("weights instances for the weighted policy only, scaling Gantry's 0–1000 into HAProxy's 0–256", () => {
    const endpoints = [endpoint("a", 1, 1), endpoint("b", 2, 2), endpoint("c", 3, 2)];
    expect([...endpointWeights(settings({ policy: "round_robin", weights: { instances: { a: 5 } } }), endpoints).values()]).toEqual([1, 1, 1]);
    expect(Object.fromEntries(endpointWeights(settings({ policy: "weighted", weights: { instances: { a: 3 }, revisions: { "2": 1 } } }), endpoints))).toEqual({ a: 3, b: 1, c: 1 });
    expect(Object.fromEntries(endpointWeights(settings({ policy: "weighted", weights: { instances: { a: 1000, b: 0, c: 1 } } }), endpoints))).toEqual({ a: 256, b: 0, c: 1 });
  });
});
