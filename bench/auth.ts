// npm run bench:auth — what access control adds to each call. Access can't be switched off in the
// product, so this composes the same pipeline twice in one process, on one database: once as
// Gantry runs it (Host/Origin checks, session cookie or token looked up, role checked) and once
// with that step taken out (every request is a fixed admin). Same calls, interleaved, same run.
// Also: a sign-in's latency (argon2id), and a WebSocket's admission and topic subscription.
import { randomBytes } from "node:crypto";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import WebSocket from "ws";
import { createAuthenticator } from "../server/access/authenticator";
import type { Identity } from "../server/access/identity";
import { verifyPassword } from "../server/access/passwords";
import { createSetupGate } from "../server/access/setup-gate";
import { createTrpcHandler } from "../server/api/http-adapter";
import { createAuthRoutes } from "../server/http/auth-routes";
import { createHttpHandler, pathOf } from "../server/http/handler";
import { createRequestGuard, type RequestGuard } from "../server/http/request-guard";
import { createWebSocketAdmission } from "../server/http/websocket-admission";
import { systemClock } from "../server/lib/clock";
import { Feed } from "../server/lib/feed";
import { silentLogger } from "../server/lib/logger";
import { createSecretBox } from "../server/lib/secret-box";
import { createRealtimeGateway } from "../server/realtime/gateway";
import { topicAccess } from "../server/realtime/topic-access";
import { createTopicResolver } from "../server/realtime/topics";
import { createApiTokens } from "../server/services/api-tokens";
import { createSessions } from "../server/services/sessions";
import { createTopology } from "../server/services/topology";
import { createUsers } from "../server/services/users";
import type { Change } from "../server/store/changes";
import { openDatabase } from "../server/store/database";
import { migrate } from "../server/store/migrate";
import { saveResults } from "./gantry-process";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CALLS_PER_ROUND = Number(process.env.BENCH_CALLS ?? 300);
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 300);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 40);
const PASSWORD = "bench password, long enough";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), n: sorted.length };
};
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

// One database and one set of services, shared by both pipelines.
const db = await openDatabase("pglite:memory", os.tmpdir());
await migrate(db.prisma, silentLogger);
const feed = new Feed<Change>("bench", silentLogger);
const root = path.resolve(import.meta.dirname, "..");
const topology = createTopology({ prisma: db.prisma, feed, secrets: createSecretBox(randomBytes(32)), baseDir: root, listenerPorts: { from: 45000, to: 45999 }, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
for (let i = 0; i < 20; i++) await topology.createService({ name: `svc-${i}`, replicas: 0, template: { command: "true" } }, "system");

const users = createUsers({ prisma: db.prisma, feed });
const sessions = createSessions({ prisma: db.prisma, feed, clock: systemClock, log: silentLogger, sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 });
const tokens = createApiTokens({ prisma: db.prisma, feed, clock: systemClock });
const authenticator = createAuthenticator({ prisma: db.prisma, clock: systemClock, log: silentLogger, sessionIdleMs: 3_600_000, bootstrapToken: undefined });
const admin = (await users.createFirstAdmin({ username: "admin", password: PASSWORD }, "system"))!;
const adminIdentity: Identity = { kind: "user", userId: admin.id, username: "admin", displayName: null, role: "admin", grants: [], sso: false, via: "bearer" };
const { secret: sessionSecret } = await sessions.open(admin.id, "admin", { address: "127.0.0.1", userAgent: "bench" }, "for the bench");
const { secret: token } = await tokens.create({ name: "bench", role: "admin" }, adminIdentity);

const unused = undefined as never; // services.list and the topology topic touch none of the engine's parts
const trpc = createTrpcHandler({ database: { noticed: () => false }, prisma: db.prisma, topology, rollouts: unused, config: unused, autoscaler: unused, timeline: unused, engine: unused, loadgen: unused, users, sessions, tokens, secretKeys: unused, alerts: unused, logRole: "viewer", log: silentLogger });
const guard = createRequestGuard({ host: "127.0.0.1", publicUrl: undefined, tls: false, trustProxy: [], dev: false });
/** The auth step taken out: no Host or Origin check, everyone a fixed admin. */
const noChecks: RequestGuard = { ...guard, hostAllowed: () => true, originAllowed: () => true, hasCsrfHeader: () => true };
const routes = {
  trpc,
  auth: createAuthRoutes({ users, sessions, setup: createSetupGate(users), oidc: undefined, guard, publicUrl: undefined, log: silentLogger }),
  consul: async () => false,
  sd: () => undefined,
  metrics: new Registry(),
  anonymous: { metrics: false, sd: false },
  database: { noticed: () => false },
  unready: () => undefined,
  log: silentLogger,
};
const resolve = createTopicResolver({ prisma: db.prisma, topology, rollouts: unused, feed, engine: unused, loadgen: unused });

async function serve(variant: "with" | "without") {
  const handler = createHttpHandler({ ...routes, guard: variant === "with" ? guard : noChecks, identify: variant === "with" ? (req) => authenticator.identify(req) : async () => adminIdentity });
  const gateway = createRealtimeGateway({ resolve, authorize: variant === "with" ? topicAccess("viewer", unused, topology) : () => true, log: silentLogger });
  const admit = variant === "with" ? createWebSocketAdmission(guard, (req) => authenticator.identify(req)) : async () => adminIdentity;
  const server = http.createServer(handler);
  server.on("upgrade", (req, socket, head) => {
    if (pathOf(req.url) !== "/api/ws") return;
    void admit(req, socket).then((identity) => identity && gateway.handleUpgrade(req, socket, head, { identity, address: "127.0.0.1", recheck: async () => identity }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => (gateway.close(), server.closeAllConnections(), server.close()) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    http
      .get(url, { agent, headers }, (res) => {
        if (res.statusCode !== 200) fail(new Error(`${url} answered ${res.statusCode}`));
        res.resume().on("end", () => done(since(start)));
      })
      .on("error", fail);
  });
}

/** Opens a socket, subscribes to the topology and waits for its snapshot: [admission ms, subscribe ms]. */
function timedSocket(url: string, headers: Record<string, string>): Promise<[number, number]> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const ws = new WebSocket(`${url.replace("http", "ws")}/api/ws`, { headers, agent: undefined });
    let opened = 0;
    let subscribed = 0n;
    ws.once("open", () => {
      opened = since(start);
      subscribed = process.hrtime.bigint();
      ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    });
    ws.once("message", () => {
      done([opened, since(subscribed)]);
      ws.close();
    });
    ws.once("error", fail);
  });
}

const [withAuth, without] = [await serve("with"), await serve("without")];
const cookie = { cookie: `gantry_session=${sessionSecret}`, origin: withAuth.url };
const bearer = { authorization: `Bearer ${token}` };
const query = (base: string) => `${base}/api/trpc/services.list`;

// Warm up every path (JIT, caches of proven sessions and tokens) before anything is on the clock.
for (let i = 0; i < 200; i++) await Promise.all([timedGet(query(withAuth.url), cookie), timedGet(query(withAuth.url), bearer), timedGet(query(without.url), {})]);

const calls = { cookie: [] as number[], bearer: [] as number[], none: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < CALLS_PER_ROUND; i++) calls.cookie.push(await timedGet(query(withAuth.url), cookie));
  for (let i = 0; i < CALLS_PER_ROUND; i++) calls.bearer.push(await timedGet(query(withAuth.url), bearer));
  for (let i = 0; i < CALLS_PER_ROUND; i++) calls.none.push(await timedGet(query(without.url), {}));
}

const sockets = { withAdmission: [] as number[], withSubscribe: [] as number[], noneAdmission: [] as number[], noneSubscribe: [] as number[] };
for (let i = 0; i < SOCKETS; i++) {
  const [a, s] = await timedSocket(withAuth.url, cookie);
  const [na, ns] = await timedSocket(without.url, {});
  if (i < 20) continue; // warm-up
  sockets.withAdmission.push(a);
  sockets.withSubscribe.push(s);
  sockets.noneAdmission.push(na);
  sockets.noneSubscribe.push(ns);
}

const logins: number[] = [];
for (let i = 0; i < LOGINS; i++) {
  const start = process.hrtime.bigint();
  const res = await fetch(`${withAuth.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-gantry-csrf": "1" }, body: JSON.stringify({ username: "admin", password: PASSWORD }) });
  if (!res.ok) throw new Error(`login answered ${res.status}`);
  logins.push(since(start));
}
const verifies: number[] = [];
const stored = (await db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).passwordHash;
for (let i = 0; i < LOGINS; i++) {
  const start = process.hrtime.bigint();
  await verifyPassword(stored, PASSWORD);
  verifies.push(since(start));
}

const results = {
  trpcQuery: { withSessionCookie: summary(calls.cookie), withToken: summary(calls.bearer), authTakenOut: summary(calls.none) },
  webSocket: {
    admission: { withCookie: summary(sockets.withAdmission), authTakenOut: summary(sockets.noneAdmission) },
    subscribe: { withAuth: summary(sockets.withSubscribe), authTakenOut: summary(sockets.noneSubscribe) },
  },
  signIn: { login: summary(logins), argon2idVerify: summary(verifies) },
};
const signed = (ms: number) => `${ms >= 0 ? "+" : "−"}${Math.abs(round(ms))}`;
const added = (a: { p50: number; p99: number }, b: { p50: number; p99: number }) => `${signed(a.p50 - b.p50)} ms p50, ${signed(a.p99 - b.p99)} ms p99`;
const { trpcQuery: q, webSocket: w, signIn } = results;
console.log(`tRPC services.list (20 services), ${q.authTakenOut.n} calls each, sequential over keep-alive:`);
console.log(`  auth taken out  p50 ${q.authTakenOut.p50} ms  p99 ${q.authTakenOut.p99} ms`);
console.log(`  session cookie  p50 ${q.withSessionCookie.p50} ms  p99 ${q.withSessionCookie.p99} ms  (${added(q.withSessionCookie, q.authTakenOut)})`);
console.log(`  API token       p50 ${q.withToken.p50} ms  p99 ${q.withToken.p99} ms  (${added(q.withToken, q.authTakenOut)})`);
console.log(`WebSocket, ${w.admission.authTakenOut.n} sockets each: open (upgrade admitted)`);
console.log(`  auth taken out  p50 ${w.admission.authTakenOut.p50} ms  p99 ${w.admission.authTakenOut.p99} ms`);
console.log(`  session cookie  p50 ${w.admission.withCookie.p50} ms  p99 ${w.admission.withCookie.p99} ms  (${added(w.admission.withCookie, w.admission.authTakenOut)})`);
console.log(`  subscribe → topology snapshot: with auth p50 ${w.subscribe.withAuth.p50} ms p99 ${w.subscribe.withAuth.p99} ms; taken out p50 ${w.subscribe.authTakenOut.p50} ms p99 ${w.subscribe.authTakenOut.p99} ms (${added(w.subscribe.withAuth, w.subscribe.authTakenOut)})`);
console.log(`sign-in (argon2id m=19 MiB, t=2): login p50 ${signIn.login.p50} ms p99 ${signIn.login.p99} ms; verify alone p50 ${signIn.argon2idVerify.p50} ms p99 ${signIn.argon2idVerify.p99} ms`);
console.log(`saved ${saveResults("auth", { ...results, cpus: os.cpus().length })}`);

withAuth.close();
without.close();
agent.destroy();
await db.close();
