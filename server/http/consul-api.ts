import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { entryStatus, type CatalogCheck, type CatalogEntry, type CheckStatus } from "../contracts/catalog";
import type { Role } from "../contracts/access";
import { actorOf, may, type Identity } from "../access/identity";
import type { Engine } from "../engine";
import { AppError } from "../lib/app-error";
import { readBody } from "./body";
import { DATACENTER, readOptions } from "./consul-query";
import { text } from "./handler";
import type { Discovery } from "../services/discovery";

const MAX_BODY = 1024 * 1024;
const NODE_NAME = "gantry";

export type ConsulApiDeps = {
  engine: Engine;
  discovery: Discovery;
  dataDir: string;
  /** Catalog reads without a token (Consul's default policy "allow" for reads); writes always need one. */
  anonymousReads: boolean;
};

/**
 * The subset of Consul's HTTP API that tools use to discover services (catalog, health, agent),
 * with Consul's field names, its X-Consul-Index header and blocking queries. Gantry is the one
 * node of datacenter dc1. Errors are plain text, as Consul's are.
 */
export function createConsulApi({ engine, discovery, dataDir, anonymousReads }: ConsulApiDeps) {
  const catalog = engine.catalog;
  // A stable node ID per data dir, shaped like Consul's UUIDs.
  const hex = createHash("sha256").update(dataDir).digest("hex");
  const nodeId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  const taggedAddresses = { lan: "127.0.0.1", lan_ipv4: "127.0.0.1", wan: "127.0.0.1", wan_ipv4: "127.0.0.1" };
  const node = { ID: nodeId, Node: NODE_NAME, Address: "127.0.0.1", Datacenter: DATACENTER, TaggedAddresses: taggedAddresses, Meta: { "consul-network-segment": "" } };
  const weights = { Passing: 1, Warning: 1 };

  const serviceJson = (e: CatalogEntry) => ({
    ID: e.id,
    Service: e.serviceName,
    Tags: e.tags,
    Address: e.address,
    Meta: e.meta,
    Port: e.port,
    Weights: weights,
    EnableTagOverride: false,
    Proxy: { MeshGateway: {}, Expose: {} },
    Connect: {},
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  });

  const checkJson = (e: CatalogEntry, c: CatalogCheck) => ({
    Node: NODE_NAME,
    CheckID: c.id,
    Name: c.name,
    Status: c.status,
    Notes: "",
    Output: c.output,
    ServiceID: e.id,
    ServiceName: e.serviceName,
    ServiceTags: e.tags,
    Type: c.kind === "gantry" ? "" : c.kind,
    Definition: {},
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  });

  const serfHealth = {
    Node: NODE_NAME,
    CheckID: "serfHealth",
    Name: "Serf Health Status",
    Status: "passing",
    Notes: "",
    Output: "Agent alive and reachable",
    ServiceID: "",
    ServiceName: "",
    ServiceTags: [],
    Type: "",
    Definition: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  };

  const catalogServiceJson = (e: CatalogEntry) => ({
    ID: nodeId,
    Node: NODE_NAME,
    Address: "127.0.0.1",
    Datacenter: DATACENTER,
    TaggedAddresses: taggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: "",
    ServiceID: e.id,
    ServiceName: e.serviceName,
    ServiceTags: e.tags,
    ServiceAddress: e.address,
    ServiceWeights: weights,
    ServiceMeta: e.meta,
    ServicePort: e.port,
    ServiceEnableTagOverride: false,
    ServiceProxy: { MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  });

  const withTag = (entries: CatalogEntry[], query: URLSearchParams) => {
    const tags = query.getAll("tag");
    return tags.length === 0 ? entries : entries.filter((e) => tags.every((t) => e.tags.includes(t)));
  };

  /** Consul's blocking query: with ?index=N, hold the request until the index moves past N or ?wait passes. */
  async function blocking(query: URLSearchParams, serviceName: string | null): Promise<void> {
    const { index, waitMs } = readOptions(query);
    if (index === 0) return;
    // Consul adds up to wait/16 so that many watchers don't all return at once.
    await catalog.wait(serviceName, index, waitMs + Math.random() * (waitMs / 16));
  }

  type Route = {
    method: string;
    pattern: RegExp;
    /** Reads need viewer; registering editor; reporting a check's state operator. */
    role: Role;
    handle(match: RegExpMatchArray, query: URLSearchParams, req: IncomingMessage, actor: string): Promise<{ body?: unknown; index?: string | null }>;
  };
  const routes: Route[] = [
    {
      method: "GET",
      role: "viewer",
      pattern: /^\/v1\/agent\/self$/,
      handle: async () => ({
        body: {
          Config: { Datacenter: DATACENTER, NodeName: NODE_NAME, NodeID: nodeId, Server: true, Version: "1.17.0", Revision: "gantry" },
          Member: { Name: NODE_NAME, Addr: "127.0.0.1", Port: 8301, Tags: { dc: DATACENTER, role: "consul" }, Status: 1 },
          Meta: {},
        },
      }),
    },
    {
      method: "GET",
      role: "viewer",
      pattern: /^\/v1\/catalog\/services$/,
      handle: async (_m, query) => {
        await blocking(query, null);
        return { body: Object.fromEntries(catalog.services()), index: null };
      },
    },
    {
      method: "GET",
      role: "viewer",
      pattern: /^\/v1\/catalog\/service\/([^/]+)$/,
      handle: async (m, query) => {
        const name = decodePath(m[1]!);
        await blocking(query, name);
        return { body: withTag(catalog.list(name), query).map(catalogServiceJson), index: name };
      },
    },
    {
      method: "GET",
      role: "viewer",
      pattern: /^\/v1\/health\/service\/([^/]+)$/,
      handle: async (m, query) => {
        const name = decodePath(m[1]!);
        await blocking(query, name);
        let entries = withTag(catalog.list(name), query);
        if (query.has("passing") && query.get("passing") !== "false") entries = entries.filter((e) => entryStatus(e) === "passing");
        return {
          body: entries.map((e) => ({ Node: { ...node, CreateIndex: 1, ModifyIndex: 1 }, Service: serviceJson(e), Checks: [serfHealth, ...e.checks.map((c) => checkJson(e, c))] })),
          index: name,
        };
      },
    },
    {
      method: "GET",
      role: "viewer",
      pattern: /^\/v1\/agent\/services$/,
      handle: async () => ({
        body: Object.fromEntries(catalog.list().map((e) => [e.id, { ...serviceJson(e), Datacenter: DATACENTER }])),
      }),
    },
    {
      method: "GET",
      role: "viewer",
      pattern: /^\/v1\/agent\/checks$/,
      handle: async () => ({ body: Object.fromEntries(catalog.list().flatMap((e) => e.checks.map((c) => [c.id, checkJson(e, c)]))) }),
    },
    {
      method: "PUT",
      role: "editor",
      pattern: /^\/v1\/agent\/service\/register$/,
      handle: async (_m, _q, req, actor) => {
        await discovery.register(await readJson(req), actor);
        return {};
      },
    },
    {
      method: "PUT",
      role: "editor",
      pattern: /^\/v1\/agent\/service\/deregister\/([^/]+)$/,
      handle: async (m, _q, _req, actor) => {
        await discovery.deregister(decodePath(m[1]!), actor);
        return {};
      },
    },
    {
      method: "PUT",
      role: "operator",
      pattern: /^\/v1\/agent\/check\/(pass|warn|fail)\/([^/]+)$/,
      handle: async (m, query) => {
        const status: CheckStatus = m[1] === "pass" ? "passing" : m[1] === "warn" ? "warning" : "critical";
        updateCheck(decodePath(m[2]!), status, query.get("note") ?? "");
        return {};
      },
    },
    {
      method: "PUT",
      role: "operator",
      pattern: /^\/v1\/agent\/check\/update\/([^/]+)$/,
      handle: async (m, _q, req) => {
        const body = (await readJson(req)) as { Status?: unknown; Output?: unknown } | null;
        const status = body?.Status;
        if (status !== "passing" && status !== "warning" && status !== "critical") throw new AppError("BAD_REQUEST", `Invalid check status: ${JSON.stringify(status)}`);
        updateCheck(decodePath(m[1]!), status, typeof body?.Output === "string" ? body.Output : "");
        return {};
      },
    },
  ];

  function updateCheck(checkId: string, status: CheckStatus, output: string): void {
    const result = engine.updateCheck(checkId, status, output);
    if (result === "unknown") throw new AppError("NOT_FOUND", `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
    if (result === "not-ttl") throw new AppError("BAD_REQUEST", `CheckID "${checkId}" does not have associated TTL`);
  }

  /** Handles /v1/… requests; false for any other path. */
  return async function handle(req: IncomingMessage, res: ServerResponse, path: string, identity: Identity | undefined): Promise<boolean> {
    if (!path.startsWith("/v1/")) return false;
    const query = new URL(req.url ?? "/", "http://gantry").searchParams;
    const candidates = routes.filter((r) => r.pattern.test(path));
    const route = candidates.find((r) => r.method === req.method || (req.method === "POST" && r.method === "PUT"));
    // As Consul with ACLs: a token (X-Consul-Token or Bearer) that lacks the permission gets 403.
    const permitted = identity ? may(identity, route?.role ?? "viewer") : anonymousReads && (route?.role ?? "viewer") === "viewer";
    if (!permitted) {
      const who = identity ? "this token" : "the anonymous token (send X-Consul-Token)";
      return text(res, 403, `Permission denied: ${who} lacks permission ${route?.role === "viewer" || !route ? "to read the catalog" : `for this write (needs ${route.role})`}`), true;
    }
    try {
      if (!route) {
        if (candidates.length > 0) return text(res, 405, `method ${req.method} not allowed`), true;
        return text(res, 404, `Unsupported endpoint: ${path} (Gantry implements the catalog, health and agent endpoints discovery tools use)`), true;
      }
      const result = await route.handle(path.match(route.pattern)!, query, req, identity ? actorOf(identity) : "anonymous");
      res.statusCode = 200;
      if (result.index !== undefined) res.setHeader("x-consul-index", String(catalog.indexOf(result.index)));
      res.setHeader("x-consul-knownleader", "true");
      res.setHeader("x-consul-lastcontact", "0");
      if (result.body === undefined) return res.end(), true;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(result.body));
    } catch (err) {
      // Anything else is the pipeline's to log and answer (500, or 503 without a database).
      if (!(err instanceof AppError)) throw err;
      text(res, err.httpStatus, err.message);
    }
    return true;
  };
}

/** A %-escaped path segment; a malformed escape is the client's mistake (400), not a crash. */
function decodePath(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new AppError("BAD_REQUEST", `malformed %-escape in the path: ${JSON.stringify(segment)}`);
  }
  if (decoded.includes("\u0000")) throw new AppError("BAD_REQUEST", "the path may not contain NUL (%00)");
  return decoded;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, MAX_BODY, "Request body too large");
  if (raw.trim() === "") return null;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new AppError("BAD_REQUEST", `Request decode failed: ${(err as Error).message}`);
  }
}
