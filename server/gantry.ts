import http from "node:http";
import https from "node:https";
import path from "node:path";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { Env } from "./env";
import { isLoopback } from "./env";
import { createTrpcHandler } from "./api/http-adapter";
import { createAuthenticator } from "./access/authenticator";
import { createOidcLogin } from "./access/oidc";
import { createSetupGate } from "./access/setup-gate";
import { createAuthRoutes } from "./http/auth-routes";
import { createRequestGuard } from "./http/request-guard";
import { systemClock } from "./lib/clock";
import { every } from "./lib/loop";
import { createApiTokens } from "./services/api-tokens";
import { createSecretKeys } from "./services/secret-keys";
import { createSessions } from "./services/sessions";
import { createUsers } from "./services/users";
import { createEngine } from "./engine";
import { chosenDataPlane, describeDataPlane } from "./engine/proxy/data-planes";
import { createConsulApi } from "./http/consul-api";
import { createHttpHandler, pathOf } from "./http/handler";
import { deferredDashboard } from "./http/deferred-dashboard";
import { createWebSocketAdmission } from "./http/websocket-admission";
import { prometheusTargets } from "./http/prometheus-sd";
import { listen } from "./http/listen";
import { lockDataDir } from "./lib/data-dir-lock";
import { Feed } from "./lib/feed";
import type { Logger } from "./lib/logger";
import { createRealtimeGateway } from "./realtime/gateway";
import { createTopicResolver } from "./realtime/topics";
import { topicAccess } from "./realtime/topic-access";
import type { Change } from "./store/changes";
import { seedDemo } from "./services/demo";
import { createLoadGenerator } from "./services/load-generator";
import { createAutoscaler } from "./services/autoscaler";
import { createTimeline } from "./services/time-travel/timeline";
import { createDiscovery } from "./services/discovery";
import { createRollouts } from "./services/rollouts";
import { createConfig } from "./services/config";
import { createAlerts } from "./services/alerts/alerts";
import { AlertEvaluator } from "./services/alerts/evaluator";
import { Notifier } from "./services/alerts/notifier";
import { createTopology } from "./services/topology";
import { auditedTransaction } from "./store/audited-transaction";
import { openDatabase, type OpenDatabaseOptions, type Prisma } from "./store/database";
import { watchDatabase } from "./store/database-health";
import { createEngineStore } from "./store/engine-store";
import { createSecretBox, loadPreviousKeys, loadSecretKey } from "./lib/secret-box";
import { migrate } from "./store/migrate";

export const projectRoot = path.resolve(import.meta.dirname, "..");

export type GantryOptions = { env: Env; log: Logger; databaseOptions?: OpenDatabaseOptions };

export type Gantry = {
  url: string;
  port: number;
  /** Set while nobody can sign in yet: the one-time link that creates the first admin. */
  setupUrl: string | undefined;
  stop(): Promise<void>;
};

const SHUTDOWN_GRACE_MS = 10_000;

/** The composition root: wires store, services, API, realtime and the dashboard onto one port. */
export async function startGantry({ env, log, databaseOptions }: GantryOptions): Promise<Gantry> {
  const releaseLock = lockDataDir(env.dataDir);
  const cleanups: Array<() => Promise<void> | void> = [releaseLock];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log.error({ err }, "shutdown step failed");
      }
    }
  };

  try {
    // Neither needs the database: both start while it opens (they take seconds of a warm start).
    const dataPlane = chosenDataPlane(env.dataPlane, { log: log.child({ component: "data-plane" }), dataDir: env.dataDir, workers: env.proxyWorkers, orphanMs: env.dataPlaneOrphanMs });
    log.info({ dataPlane: env.dataPlane.kind }, `data plane: ${describeDataPlane(env.dataPlane)}`);
    void dataPlane.start();
    cleanups.push(() => dataPlane.release()); // a boot that fails leaves it serving, as a crash would
    const dashboard = env.dashboard ? deferredDashboard(() => prepareNext(env), log) : undefined;
    if (dashboard) cleanups.push(() => dashboard.close());

    const db = await openDatabase(env.databaseUrl, env.dataDir, databaseOptions);
    cleanups.push(() => db.close());
    log.info({ database: db.description }, "database open");
    await migrate(db.prisma, log);

    const feed = new Feed<Change>("changes", log);
    reportUnreadableRows(feed, db.prisma, log);
    const previousKeys = loadPreviousKeys(env.dataDir, { key: env.secretKey, previous: env.previousSecretKey });
    const secrets = createSecretBox([loadSecretKey(env.dataDir, env.secretKey), ...previousKeys]);
    const secretKeys = createSecretKeys({ prisma: db.prisma, feed, box: secrets, dataDir: env.dataDir, keyFromEnv: env.secretKey !== undefined, previousKeys, log });
    await secretKeys.finishRotation();

    const clock = systemClock;
    const database = watchDatabase(db.prisma, clock, log);
    cleanups.push(() => database.stop());
    const { access } = env;
    const users = createUsers({ prisma: db.prisma, feed });
    const sessions = createSessions({ prisma: db.prisma, feed, clock, log, sessionIdleMs: access.sessionIdleMs, sessionMaxMs: access.sessionMaxMs });
    const tokens = createApiTokens({ prisma: db.prisma, feed, clock });
    const authenticator = createAuthenticator({ prisma: db.prisma, clock, log, sessionIdleMs: access.sessionIdleMs, bootstrapToken: access.bootstrapToken });
    const pruning = every(clock, 60 * 60_000, "session pruning", log, async () => void (await sessions.prune()));
    cleanups.push(() => pruning.stop());
    // Where instances reach their dependencies' listeners (bound on GANTRY_HOST); swarm tasks, from any node.
    const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host);
    const local = isUnspecified(env.host) ? "127.0.0.1" : urlHost(env.host);
    const linkHost = { local, swarm: env.swarm.advertise ? urlHost(env.swarm.advertise) : local };
    const topology = createTopology({ prisma: db.prisma, feed, secrets, baseDir: projectRoot, listenerPorts: env.listenerPortRange, reservedPorts: reservedPorts(env), linkHost });
    await topology.assignMissingListenerPorts();
    if (env.demo) await seedDemo(db.prisma, topology, log);
    // After the demo, which looks for a database nobody has used yet.
    if (access.admin && (await users.createFirstAdmin(access.admin, "system"))) log.info({ username: access.admin.username }, "created the admin from GANTRY_ADMIN_PASSWORD");
    const setup = createSetupGate(users);
    const setupSecret = await setup.open();

    // The engine plays its reconciler forward for plan previews; it exists by the time anyone asks.
    const rollouts = createRollouts({ prisma: db.prisma, feed, secrets, linkHost, preview: (desired) => engine.preview(desired) });
    const engine = createEngine({
      store: createEngineStore(db.prisma, feed, secrets, rollouts),
      log: log.child({ component: "engine" }),
      dataDir: env.dataDir,
      baseDir: projectRoot,
      portRange: env.portRange,
      swarm: env.swarm,
      host: env.host,
      ingressPort: env.ingressPort,
      dataPlane,
      etcd: env.etcd,
      zookeeper: env.zookeeper,
      dns: env.dns,
    });
    // Desired state changed: the engine only hears which service to look at again.
    const logFailure = (what: string) => (err: unknown) => log.error({ err }, `refreshing ${what} failed`);
    feed.subscribe((change) => {
      if (change.type === "registrations") return void engine.refreshRegistrations().catch(logFailure("registrations"));
      if (change.type === "rollout") return engine.enqueue(change.rollout.serviceId); // paused, resumed…
      if (change.type !== "topology") return;
      if (change.delta.kind === "service.upserted") {
        engine.enqueue(change.delta.service.id);
        return void engine.serviceSaved(change.delta.service).catch(logFailure("traffic configuration"));
      }
      if (change.delta.kind === "service.removed") {
        engine.enqueue(change.delta.id);
        void engine.refreshRegistrations().catch(logFailure("registrations")); // its registrations went with it
      }
      void engine.refreshTraffic().catch(logFailure("traffic configuration"));
    });
    await engine.start();
    cleanups.push(() => engine.stop());

    const processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    // prom-client names these gauges *_total, which `promtool check metrics` rightly rejects.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) processMetrics.removeSingleMetric(name);
    const metrics = { contentType: processMetrics.contentType, metrics: async () => `${await processMetrics.metrics()}\n${engine.prometheusText()}` };

    const autoscaler = createAutoscaler({
      prisma: db.prisma,
      feed,
      clock,
      log: log.child({ component: "autoscaler" }),
      syncMs: env.autoscaleSyncMs,
      series: (keys, window) => engine.metrics.series(keys, window),
      readyOf: (serviceId) => engine.endpoints(serviceId).length,
    });
    autoscaler.start();
    cleanups.push(() => autoscaler.stop());

    const loadgen = createLoadGenerator(topology, log);
    cleanups.push(() => loadgen.close());

    const config = createConfig({ prisma: db.prisma, feed, topology, rollouts, secrets, listenerPorts: env.listenerPortRange, reservedPorts: reservedPorts(env), linkHost });
    const notifier = new Notifier({ prisma: db.prisma, secrets, clock, log: log.child({ component: "alerts" }) });
    const evaluator = new AlertEvaluator({
      prisma: db.prisma,
      feed,
      sources: {
        instances: () => engine.instances(),
        catalog: () => engine.catalog.list(),
        trafficTotals: (serviceId) => {
          const totals = engine.metrics.totals(`service:${serviceId}`);
          return totals && { requests: Object.values(totals.requests).reduce((a, b) => a + b, 0), errors: totals.requests["5xx"], latency: totals.latency };
        },
        p95: (latency) => engine.metrics.quantileMs(latency, 0.95),
      },
      clock,
      log: log.child({ component: "alerts" }),
      intervalMs: env.alertIntervalMs,
      notify: () => notifier.kick(),
    });
    notifier.start();
    evaluator.start();
    cleanups.push(() => notifier.stop(), () => evaluator.stop());
    const alerts = createAlerts({ prisma: db.prisma, feed, secrets, clock });
    const timeline = createTimeline({ prisma: db.prisma, feed, clock, engine });
    cleanups.push(() => timeline.stop());
    const trpc = createTrpcHandler({ database, prisma: db.prisma, topology, rollouts, config, autoscaler, timeline, engine, loadgen, users, sessions, tokens, secretKeys, alerts, logRole: access.logRole, log });

    let ready = false;
    const guard = createRequestGuard({ host: env.host, publicUrl: access.publicUrl, tls: access.tls !== undefined, trustProxy: access.trustProxy, dev: env.dev });
    const oidc = access.oidc ? createOidcLogin(access.oidc, { clock, log: log.child({ component: "oidc" }) }) : undefined;
    const auth = createAuthRoutes({ users, sessions, setup, oidc, guard, publicUrl: access.publicUrl, log });
    const discovery = createDiscovery({ prisma: db.prisma, feed, listenerPorts: env.listenerPortRange, reservedPorts: reservedPorts(env) });
    const consul = createConsulApi({ engine, discovery, dataDir: env.dataDir, anonymousReads: access.anonymous.catalog });
    const handler = createHttpHandler({
      guard,
      identify: (req) => authenticator.identify(req),
      trpc,
      auth,
      consul,
      sd: (_req, res) => prometheusTargets(topology, engine, res),
      dashboard: dashboard?.handle,
      metrics,
      anonymous: access.anonymous,
      database,
      unready: () => (!ready ? "not ready" : !database.available() ? "database unavailable" : undefined),
      log,
    });
    // A request head must arrive within 10 s (slowloris), checked every second; bodies within a minute.
    const timeouts = { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 1000 };
    const server = access.tls ? https.createServer({ ...timeouts, cert: access.tls.cert, key: access.tls.key }, handler) : http.createServer(timeouts, handler);
    const gateway = createRealtimeGateway({
      resolve: createTopicResolver({ prisma: db.prisma, topology, rollouts, feed, engine, loadgen }),
      authorize: topicAccess(access.logRole, engine, topology),
      limits: env.realtime,
      log,
    });
    feed.subscribe((change) => {
      if (change.type !== "access") return;
      authenticator.forget(change.change);
      gateway.accessChanged(change.change);
    });
    // Only /api/ws is ours; other upgrades (Next's dev hot reload at /_next/hmr) are left to Next's listener.
    const admitWebSocket = createWebSocketAdmission(guard, (req) => authenticator.identify(req));
    server.on("upgrade", (req, socket, head) => {
      if (pathOf(req.url) !== "/api/ws") return;
      void admitWebSocket(req, socket).then(
        (identity) => identity && gateway.handleUpgrade(req, socket, head, { identity, address: guard.clientAddress(req), recheck: authenticator.recheckerOf(req) }),
        (err: unknown) => {
          log.error({ err }, "WebSocket upgrade failed");
          socket.destroy();
        },
      );
    });

    const listening = await listen(server, env.host, env.port);
    cleanups.push(() => listening.close(SHUTDOWN_GRACE_MS), () => gateway.close(), () => void (ready = false));
    ready = true;
    dashboard?.prepare();

    const scheme = access.tls ? "https" : "http";
    const host = env.host.includes(":") ? `[${env.host}]` : env.host;
    const url = access.publicUrl?.origin ?? `${scheme}://${isUnspecified(env.host) ? "127.0.0.1" : host}:${listening.port}`;
    if (!isLoopback(env.host) && !access.tls) {
      log.warn(
        { host: env.host, publicUrl: access.publicUrl?.href },
        "LISTENING ON THE NETWORK WITHOUT TLS: passwords, session cookies and tokens cross it in the clear unless a TLS-terminating proxy sits in front (set GANTRY_TLS_CERT and GANTRY_TLS_KEY to serve TLS here)",
      );
    }
    return { url, port: listening.port, setupUrl: setupSecret && `${url}/setup?token=${setupSecret}`, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const isUnspecified = (host: string) => host === "0.0.0.0" || host === "::";

/** A stored row Gantry skipped: said once per row and reason, in the log and as an event naming it. */
function reportUnreadableRows(feed: Feed<Change>, prisma: Prisma, log: Logger) {
  const reported = new Set<string>();
  feed.subscribe((change) => {
    if (change.type !== "unreadable-row") return;
    const key = `${change.table}:${change.id}:${change.reason}`;
    if (reported.has(key)) return;
    reported.add(key);
    log.error({ table: change.table, id: change.id, reason: change.reason }, "skipped a stored row Gantry can't read");
    const message = `skipped stored ${change.table} ${change.name}: ${change.reason} — fix or delete it`;
    void auditedTransaction(prisma, feed, "system", (_tx, record) => record.event({ kind: "system.row-skipped", message, data: { table: change.table, id: change.id } })).catch(
      (err: unknown) => log.error({ err }, "recording a skipped row failed"),
    );
  });
}

/** Ports a listener may not take. */
function reservedPorts(env: Env) {
  return (port: number): string | undefined => {
    if (port === env.port) return "Gantry's own port (GANTRY_PORT)";
    if (port === env.ingressPort) return "the ingress gateway's port (GANTRY_INGRESS_PORT)";
    if (port === env.dns?.port) return "the DNS interface's port (GANTRY_DNS_PORT)";
    if (port >= env.portRange.from && port <= env.portRange.to) return "inside GANTRY_PORT_RANGE, where instances get their ports";
    return undefined;
  };
}

async function prepareNext(env: Env) {
  const { default: next } = await import("next");
  const app = next({ dev: env.dev, dir: projectRoot, hostname: env.host, port: env.port });
  await app.prepare();
  return app;
}
