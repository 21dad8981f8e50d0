import http from "node:http";
import path from "node:path";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { Env } from "./env";
import { appRouter } from "./api/router";
import { createEngine } from "./engine";
import { createConsulApi } from "./http/consul-api";
import { createHttpHandler, pathOf } from "./http/handler";
import { prometheusTargets } from "./http/prometheus-sd";
import { listen } from "./http/listen";
import { lockDataDir } from "./lib/data-dir-lock";
import { Feed } from "./lib/feed";
import type { Logger } from "./lib/logger";
import { createRealtimeGateway } from "./realtime/gateway";
import { createTopicResolver } from "./realtime/topics";
import type { Change } from "./store/changes";
import { seedDemo } from "./services/demo";
import { createLoadGenerator } from "./services/load-generator";
import { createDiscovery } from "./services/discovery";
import { createRollouts } from "./services/rollouts";
import { createTopology } from "./services/topology";
import { openDatabase } from "./store/database";
import { createEngineStore } from "./store/engine-store";
import { createSecretBox, loadSecretKey } from "./lib/secret-box";
import { migrate } from "./store/migrate";

export const projectRoot = path.resolve(import.meta.dirname, "..");

export type GantryOptions = { env: Env; log: Logger };

export type Gantry = {
  url: string;
  port: number;
  stop(): Promise<void>;
};

const SHUTDOWN_GRACE_MS = 10_000;

/** The composition root: wires store, services, API, realtime and the dashboard onto one port. */
export async function startGantry({ env, log }: GantryOptions): Promise<Gantry> {
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
    const db = await openDatabase(env.databaseUrl, env.dataDir);
    cleanups.push(() => db.close());
    log.info({ database: db.description }, "database open");
    await migrate(db.prisma, log);

    const feed = new Feed<Change>("changes", log);
    const secrets = createSecretBox(loadSecretKey(env.dataDir, env.secretKey));
    const topology = createTopology({ prisma: db.prisma, feed, secrets, baseDir: projectRoot, listenerPorts: env.listenerPortRange, reservedPorts: reservedPorts(env) });
    await topology.assignMissingListenerPorts();
    if (env.demo) await seedDemo(db.prisma, topology, log);

    // The engine plays its reconciler forward for plan previews; it exists by the time anyone asks.
    const rollouts = createRollouts({ prisma: db.prisma, feed, secrets, preview: (desired) => engine.preview(desired) });
    const engine = createEngine({
      store: createEngineStore(db.prisma, feed, secrets, rollouts),
      log: log.child({ component: "engine" }),
      dataDir: env.dataDir,
      baseDir: projectRoot,
      portRange: env.portRange,
      host: env.host,
      ingressPort: env.ingressPort,
      proxyWorkers: env.proxyWorkers,
      etcd: env.etcd,
    });
    // Desired state changed: the engine only hears which service to look at again.
    const logFailure = (what: string) => (err: unknown) => log.error({ err }, `refreshing ${what} failed`);
    feed.subscribe((change) => {
      if (change.type === "registrations") return void engine.refreshRegistrations().catch(logFailure("registrations"));
      if (change.type === "rollout") return engine.enqueue(change.rollout.serviceId); // paused, resumed…
      if (change.type !== "topology") return;
      if (change.delta.kind === "service.upserted") engine.enqueue(change.delta.service.id);
      if (change.delta.kind === "service.removed") {
        engine.enqueue(change.delta.id);
        void engine.refreshRegistrations().catch(logFailure("registrations")); // its registrations went with it
      }
      void engine.refreshTraffic().catch(logFailure("traffic configuration"));
    });
    await engine.start();
    cleanups.push(() => engine.stop());

    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
    // prom-client names these gauges *_total, which `promtool check metrics` rightly rejects.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) metrics.removeSingleMetric(name);
    engine.registerPrometheus(metrics);

    const loadgen = createLoadGenerator(topology, log);
    cleanups.push(() => loadgen.close());

    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: "/api/trpc/",
      createContext: () => ({ prisma: db.prisma, topology, rollouts, engine, loadgen, actor: "api" as const, log }),
    });

    const next = env.dashboard ? await prepareDashboard(env) : undefined;
    if (next) cleanups.push(() => next.close());

    let ready = false;
    const discovery = createDiscovery({ prisma: db.prisma, feed, listenerPorts: env.listenerPortRange, reservedPorts: reservedPorts(env) });
    const consul = createConsulApi({ engine, discovery, log, dataDir: env.dataDir });
    const server = http.createServer(
      createHttpHandler({ trpc, consul, sd: (_req, res) => prometheusTargets(topology, engine, res), dashboard: next?.getRequestHandler(), metrics, isReady: () => ready, log }),
    );
    const gateway = createRealtimeGateway({ resolve: createTopicResolver({ prisma: db.prisma, topology, rollouts, feed, engine, loadgen }), log });
    // Only /api/ws is ours; other upgrades (Next's dev hot reload at /_next/hmr) are left to Next's listener.
    server.on("upgrade", (req, socket, head) => {
      if (pathOf(req.url) === "/api/ws") gateway.handleUpgrade(req, socket, head);
    });

    const listening = await listen(server, env.host, env.port);
    cleanups.push(() => listening.close(SHUTDOWN_GRACE_MS), () => gateway.close(), () => void (ready = false));
    ready = true;

    const host = env.host.includes(":") ? `[${env.host}]` : env.host;
    return { url: `http://${host}:${listening.port}`, port: listening.port, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Ports a listener may not take. */
function reservedPorts(env: Env) {
  return (port: number): string | undefined => {
    if (port === env.port) return "Gantry's own port (GANTRY_PORT)";
    if (port === env.ingressPort) return "the ingress gateway's port (GANTRY_INGRESS_PORT)";
    if (port >= env.portRange.from && port <= env.portRange.to) return "inside GANTRY_PORT_RANGE, where instances get their ports";
    return undefined;
  };
}

async function prepareDashboard(env: Env) {
  const { default: next } = await import("next");
  const app = next({ dev: env.dev, dir: projectRoot, hostname: env.host, port: env.port });
  await app.prepare();
  return app;
}
