import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AutoscaleSettingsInput } from "../contracts/autoscale";
import type { ProbeInput } from "../contracts/probe";
import { createRandom, fuzzScale, fuzzSeed, type Random } from "../fuzz/prng";
import { createSecretBox } from "../lib/secret-box";
import { auditedTransaction } from "../store/audited-transaction";
import { testBackends } from "../testing/databases";
import { migratedStore, type MigratedStore } from "../testing/store";
import { ConfigError } from "../config/parse";
import { systemClock } from "../lib/clock";
import { createAlerts, type Alerts } from "./alerts/alerts";
import { createConfig, type Config } from "./config";
import { createExternalService } from "./discovery";
import { createRollouts } from "./rollouts";
import { createTopology, type Topology } from "./topology";

const secrets = createSecretBox(randomBytes(32));
const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-config-"));
const listenerPorts = { from: 21000, to: 21999 };
/** Each topology now carries containers, swarm services, protocols, autoscaling and alerts: 12 a run (seeded per run), FUZZ_SCALE for more. */
const CASES = 12 * fuzzScale();

/** A topology as someone might have built it in the dashboard: random fields, edges and external services. */
async function buildRandomTopology(random: Random, topology: Topology, store: MigratedStore, alerts: Alerts) {
  const count = random.int(1, 5);
  const names = Array.from({ length: count }, (_, i) => `svc-${String.fromCharCode(97 + i)}${random.int(0, 9)}`);
  const externals = random.chance(0.5) ? [`ext-${random.int(0, 9)}`] : [];
  const ids: string[] = [];
  const probeOf = (): ProbeInput | null =>
    random.pick<ProbeInput | null>([
      null,
      { kind: "http", path: `/health-${random.int(0, 9)}`, periodSeconds: random.pick([1, 10, 2.5]), headers: random.chance(0.5) ? { "X-Check": "yes" } : {} },
      { kind: "tcp", port: random.chance(0.5) ? null : 8080, failureThreshold: random.int(1, 5) },
      { kind: "exec", command: ["true", String(random.int(0, 3))] },
      { kind: "grpc", port: random.chance(0.5) ? null : 50051, service: random.pick(["", "grpc.health.v1.Health", "orders.v2"]), timeoutSeconds: random.pick([1, 0.5]) },
    ]);
  for (const [index, name] of names.entries()) {
    const runtime = random.pick(["process", "process", "process", "process", "process", "docker", "docker", "swarm"] as const);
    const docker = runtime !== "process";
    const swarm = runtime === "swarm";
    const env: Record<string, string> = {};
    const secretEnv: string[] = [];
    for (let i = random.int(0, 3); i > 0; i--) env[random.pick(["LOG_LEVEL", "Z_MODE", "a_lower", "WORKERS", "EMPTY"])] = random.pick(["info", "", "4", "yes", "null", "with space", "multi\nline", "0123"]);
    if (random.chance(0.4)) {
      env.DB_PASSWORD = `pw-${random.int(0, 1000)}`;
      secretEnv.push("DB_PASSWORD");
    }
    // About a third speak something other than HTTP/1.1 (and so have no ingress routes).
    const protocol = random.chance(0.35) ? random.pick(["tcp", "http2", "grpc"] as const) : undefined;
    const service = await topology.createService(
      {
        name,
        replicas: 0,
        template: {
          // A swarm service's secrets need a command to wrap (refused otherwise).
          ...(docker
            ? { runtime, image: random.pick(["busybox", "nginx:1.27"]), command: ((command) => (swarm && secretEnv.length > 0 ? "sh" : command))(random.pick(["", "sh"])) }
            : { command: random.pick(["node", "/usr/bin/python3"]) }),
          args: random.chance(0.5) ? ["server.js", "--port", "$PORT"] : [],
          env,
          secretEnv,
          shell: !docker && random.chance(0.2),
          ...(swarm && random.chance(0.5) ? { placement: { constraints: ["node.role==worker"], spread: random.chance(0.5) ? ["node.labels.zone"] : [] } } : {}),
          gracePeriodSeconds: random.pick([10, 3, 30]),
          memoryLimitMb: random.pick([null, 256]),
          listens: random.chance(0.8),
          restartPolicy: random.pick(["always", "on-failure", "never"] as const),
          // Swarm can't run exec probes inside its tasks (refused).
          probes: { readiness: ((probe) => (swarm && probe?.kind === "exec" ? null : probe))(probeOf()), liveness: random.chance(0.3) ? { kind: "tcp" } : null },
        },
        traffic: {
          protocol,
          policy: random.pick(["round_robin", "least_request", "ring_hash"] as const),
          retries: random.int(0, 5),
          perTryTimeoutMs: random.chance(0.2) ? random.pick([250, 1000]) : undefined,
          routes: protocol === undefined && random.chance(0.4) ? [{ host: random.chance(0.5) ? `${name}.example.com` : null, pathPrefix: `/${name}`, stripPrefix: random.chance(0.5) }] : [],
          outlier: random.chance(0.3) ? { consecutiveErrors: 9 } : undefined,
          hashOn: random.chance(0.3) ? { kind: "header", name: "X-User" } : undefined,
        },
        strategy: random.chance(0.5) ? { ...(swarm ? { maxSurge: 0, maxUnavailable: random.int(1, 3) } : { maxSurge: random.int(1, 3) }), autoRollback: random.chance(0.5) } : undefined,
        autoscale: random.chance(0.3) ? autoscaleOf(random) : undefined,
        labels: random.chance(0.5) ? { team: random.pick(["payments", "edge"]), tier: "web" } : {},
        listenPort: random.chance(0.3) ? listenerPorts.from + 500 + index : undefined,
        position: random.chance(0.5) ? { x: random.int(-500, 500), y: random.int(0, 400) } : undefined,
      },
      "tester",
    );
    ids.push(service.id);
  }
  for (const name of externals) {
    const id = await auditedTransaction(store.prisma, store.feed, "consul", async (tx, record) => (await createExternalService(tx, record, { listenerPorts, reservedPorts: () => undefined }, { name })).id);
    ids.push(id);
  }
  // Alert rules and receivers as the API makes them (the default rules are truncated first).
  const ruleKinds = [
    { kind: "service-down" as const },
    { kind: "error-rate" as const, thresholdPercent: random.pick([1, 5, 12.5]), windowSeconds: random.pick([30, 60]) },
    { kind: "latency-p95" as const, thresholdMs: random.pick([250, 1000]) },
    { kind: "restarts" as const, count: random.int(0, 5), windowMinutes: random.pick([5, 10]) },
    { kind: "check-critical" as const },
    { kind: "autoscaler-at-max" as const },
  ];
  for (let rules = random.int(0, 3); rules > 0; rules--) {
    const spec = { ...random.pick(ruleKinds), name: `rule-${random.int(0, 99)}`, service: random.chance(0.5) ? names[0] : undefined, forSeconds: random.pick([0, 30]), severity: random.pick(["critical", "warning"] as const), enabled: random.chance(0.8) };
    await alerts.createRule(spec, "tester").catch(() => undefined); // a repeated name: fine
  }
  for (let receivers = random.int(0, 2); receivers > 0; receivers--) {
    const kind = random.pick(["webhook", "slack"] as const);
    await alerts.createReceiver({ name: `hook-${random.int(0, 99)}`, kind, url: `https://hooks.example.com/${kind}/${random.int(0, 999)}`, enabled: random.chance(0.8) }, "tester").catch(() => undefined);
  }
  for (let edges = random.int(0, names.length * 2); edges > 0; edges--) {
    const [from, to] = [random.int(0, names.length - 1), random.int(0, ids.length - 1)];
    if (from === to) continue;
    await topology.createDependency({ fromId: ids[from]!, toId: ids[to]!, rollout: random.chance(0.5) }, "tester").catch(() => undefined); // a repeat edge: fine
  }
}

/** Autoscaling as someone might set it: a target or two, sometimes a behavior of their own. */
const autoscaleOf = (random: Random): AutoscaleSettingsInput => ({
  minReplicas: random.pick([undefined, 1, 2]),
  maxReplicas: random.int(2, 10),
  targets: random.chance(0.5) ? { requestsPerSecond: random.pick([50, 80.5]) } : { cpuPercent: 60, p95LatencyMs: random.chance(0.5) ? 250 : null },
  tolerance: random.pick([undefined, 0.2]),
  behavior: random.chance(0.5)
    ? { scaleDown: { stabilizationWindowSeconds: random.pick([0, 30]), policies: [{ type: "Pods", value: random.int(1, 3), periodSeconds: 10 }] }, scaleUp: random.chance(0.5) ? { selectPolicy: "Min" } : undefined }
    : undefined,
});

describe.each(testBackends())("config as code on $name", (backend) => {
  let store: MigratedStore;
  let topology: Topology;
  let config: Config;
  let alerts: Alerts;

  beforeAll(async () => {
    store = await migratedStore(backend);
    topology = createTopology({ prisma: store.prisma, feed: store.feed, secrets, baseDir, listenerPorts, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
    const preview = () => ({ waves: [], starts: 0, stops: 0, peak: 0, lowestReady: 0 });
    const rollouts = createRollouts({ prisma: store.prisma, feed: store.feed, secrets, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" }, preview });
    alerts = createAlerts({ prisma: store.prisma, feed: store.feed, secrets, clock: systemClock });
    config = createConfig({ prisma: store.prisma, feed: store.feed, topology, rollouts, secrets, listenerPorts, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
  });
  afterAll(() => store.dispose());

  const truncate = () => store.prisma.$executeRawUnsafe(`TRUNCATE "Service", "Event", "AlertRule", "AlertReceiver" CASCADE`);
  const counts = async () => ({ revisions: await store.prisma.revision.count(), events: await store.prisma.event.count(), rollouts: await store.prisma.rollout.count() });

  it(`round-trips ${CASES} random topologies: export → apply on an empty store → export is byte-identical, and apply again changes nothing`, { timeout: 120_000 }, async () => {
    const seed = fuzzSeed();
    for (let run = 0; run < CASES; run++) {
      const random = createRandom(seed + run);
      await truncate();
      await buildRandomTopology(random, topology, store, alerts);
      const positions = random.chance(0.5);
      const first = await config.export({ positions, alerts: true });
      const context = `seed ${seed + run}:\n${first.yaml}`;

      await truncate();
      const value = (service: string) => (service === "alerts" ? "https://hooks.example.com/slack/secret" : "s3cret"); // a receiver's is a URL
      const values = Object.fromEntries(first.secrets.map((need) => ["fromEnv" in need.ref ? need.ref.fromEnv : need.ref.fromFile, value(need.service)]));
      const applied = await config.apply({ yaml: first.yaml, secrets: { env: values } }, "tester");
      expect(applied.changed, context).toBe(true);
      const second = await config.export({ positions, alerts: true });
      expect(second.yaml, context).toBe(first.yaml);

      const before = await counts();
      const again = await config.apply({ yaml: second.yaml }, "tester");
      expect(again.changed, context).toBe(false);
      expect(again.services.every((s) => s.action === "unchanged"), context).toBe(true);
      expect(await counts(), context).toEqual(before);
      expect((await config.drift()).filter((d) => d.changedSinceApply), context).toEqual([]);
    }
  });

  it("diff shows created, changed (field by field) and, only with prune, deleted; a failed apply changes nothing", async () => {
    await truncate();
    const base = "services:\n  api:\n    command: node\n    replicas: 0\n    dependsOn: [db]\n  db:\n    command: postgres\n    replicas: 0\n  old:\n    command: sleep\n    replicas: 0\n";
    const created = await config.diff({ yaml: base }, { compareSecrets: true });
    expect(created.services.map((s) => [s.name, s.action])).toEqual([["api", "created"], ["db", "created"], ["old", "created"]]);
    expect(created.dependencies.added).toEqual([{ from: "api", to: "db" }]);
    await config.apply({ yaml: base }, "tester");

    const next = "services:\n  api:\n    command: node\n    replicas: 0\n    env:\n      LOG_LEVEL: debug\n  db:\n    command: postgres\n    replicas: 0\n";
    const diff = await config.diff({ yaml: next, prune: true }, { compareSecrets: true });
    expect(diff.services).toEqual([
      { name: "api", kind: "service", action: "changed", changes: [{ path: "env.LOG_LEVEL", before: null, after: "debug" }, { path: "dependsOn", before: ["db"], after: [] }], rollout: expect.objectContaining({ revision: { from: 1, to: 2 }, diff: [{ path: "env.LOG_LEVEL", before: null, after: "debug" }, { path: "links.DB_URL", before: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), after: null }] }) },
      { name: "db", kind: "service", action: "unchanged" },
      { name: "old", kind: "service", action: "deleted" },
    ]);
    expect(diff.dependencies.removed).toEqual([{ from: "api", to: "db" }]);
    expect((await config.diff({ yaml: next }, { compareSecrets: true })).services.map((s) => s.action)).toEqual(["changed", "unchanged"]);

    const before = await counts();
    const bad = `${next}  broken:\n    command: x\n    dependsOn: [nowhere]\n`;
    await expect(config.apply({ yaml: bad, prune: true }, "tester")).rejects.toThrow(ConfigError);
    expect(await counts()).toEqual(before);
  });

  it("applies alert rules and receivers: a Slack URL only by reference and sealed, left alone without a section, deleted only with prune", async () => {
    await truncate();
    const file = [
      "alerts:",
      "  rules:",
      "    api-errors: { kind: error-rate, service: api, thresholdPercent: 2, windowSeconds: 30, forSeconds: 60, severity: critical }",
      "  receivers:",
      "    ops: { kind: slack, url: { fromEnv: OPS_URL } }",
      "    audit: { kind: webhook, url: https://audit.example.com/hook }",
      "",
    ].join("\n");
    const refused = await config.apply({ yaml: file }, "tester").catch((err: unknown) => err);
    expect((refused as ConfigError).message).toMatch(/alerts\.receivers\.ops\.url: ops's URL is a secret Gantry doesn't have yet: apply needs the environment variable OPS_URL/);
    const badUrl = await config.apply({ yaml: file, secrets: { env: { OPS_URL: "file:///etc/passwd" } } }, "tester").catch((err: unknown) => err);
    expect((badUrl as ConfigError).message).toMatch(/ops's URL must be an http:\/\/ or https:\/\/ URL/);
    expect(await store.prisma.alertRule.count()).toBe(0);

    const diff = await config.diff({ yaml: file, secrets: { env: { OPS_URL: "https://hooks.slack.com/services/T/B/x" } } }, { compareSecrets: true });
    expect(diff.alerts).toEqual({ rules: { created: ["api-errors"], changed: [], deleted: [] }, receivers: { created: ["ops", "audit"], changed: [], deleted: [] } });
    await config.apply({ yaml: file, secrets: { env: { OPS_URL: "https://hooks.slack.com/services/T/B/x" } } }, "tester");
    const ops = await store.prisma.alertReceiver.findUniqueOrThrow({ where: { name: "ops" } });
    expect(ops.url).not.toContain("hooks.slack.com");
    expect((await alerts.rules())[0]).toMatchObject({ name: "api-errors", kind: "error-rate", service: "api", thresholdPercent: 2, windowSeconds: 30 });
    expect((await config.export()).yaml).not.toContain("alerts");
    const exported = await config.export({ alerts: true });
    expect(exported.yaml).toContain("url:\n        fromEnv: OPS_WEBHOOK_URL");
    expect(exported.secrets).toContainEqual({ service: "alerts", variable: "receivers.ops.url", ref: { fromEnv: "OPS_WEBHOOK_URL" } });

    // Applied again without the value: the stored URL is kept, nothing changes.
    expect((await config.apply({ yaml: file }, "tester")).changed).toBe(false);
    await config.apply({ yaml: "services: {}\n", prune: true }, "tester");
    expect(await store.prisma.alertRule.count()).toBe(1);
    await config.apply({ yaml: "alerts: { rules: {} }\n", prune: true }, "tester");
    expect(await store.prisma.alertRule.count()).toBe(0);
    expect(await store.prisma.alertReceiver.count()).toBe(0);
  });

  it("exports a secret as a reference, never its value, and lists what apply will need", async () => {
    await truncate();
    await topology.createService({ name: "pay", replicas: 0, template: { command: "node", env: { API_KEY: "sk_live_123", MODE: "live" }, secretEnv: ["API_KEY"] } }, "tester");
    const exported = await config.export({});
    expect(exported.yaml).not.toContain("sk_live_123");
    expect(exported.yaml).toContain("API_KEY:\n        fromEnv: API_KEY");
    expect(exported.secrets).toEqual([{ service: "pay", variable: "API_KEY", ref: { fromEnv: "API_KEY" } }]);

    await truncate();
    const refused = await config.apply({ yaml: exported.yaml }, "tester").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toMatch(/^gantry\.yaml:\d+:\d+: services\.pay\.env\.API_KEY: API_KEY is a secret Gantry doesn't have yet: apply needs the environment variable API_KEY/);
  });

  it("an autoscaled service's count is the autoscaler's: no drift, nothing to apply, and a file doesn't reset it", async () => {
    await truncate();
    const yaml = "services:\n  web:\n    command: node\n    replicas: 0\n    autoscale:\n      maxReplicas: 5\n      targets:\n        requestsPerSecond: 80\n";
    await config.apply({ yaml }, "tester");
    const web = (await topology.listServices())[0]!;
    expect(web.autoscale).toMatchObject({ minReplicas: 1, maxReplicas: 5, targets: { requestsPerSecond: 80, cpuPercent: null }, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } });
    await store.prisma.service.update({ where: { id: web.id }, data: { replicas: 4 } }); // as the autoscaler does

    expect((await config.drift()).find((d) => d.name === "web")).toMatchObject({ changedSinceApply: false });
    expect((await config.diff({ yaml }, { compareSecrets: true })).services).toEqual([{ name: "web", kind: "service", action: "unchanged" }]);
    const retargeted = yaml.replace("requestsPerSecond: 80", "requestsPerSecond: 40");
    expect((await config.diff({ yaml: retargeted }, { compareSecrets: true })).services[0]).toMatchObject({ changes: [{ path: "autoscale.targets.requestsPerSecond", before: 80, after: 40 }] });
    await config.apply({ yaml: retargeted }, "tester");
    expect((await topology.getService(web.id)).replicas).toBe(4);
    expect((await config.export({})).yaml).toContain("    autoscale:\n      maxReplicas: 5\n      targets:\n        requestsPerSecond: 40\n");
  });

  it("keeps a listener port only where it was chosen by hand", async () => {
    await truncate();
    await topology.createService({ name: "auto", replicas: 0, template: { command: "node" } }, "tester");
    await topology.createService({ name: "pinned", replicas: 0, template: { command: "node" }, listenPort: 21900 }, "tester");
    const { yaml } = await config.export({});
    expect(yaml).toContain("listenPort: 21900");
    expect(yaml.match(/listenPort/g)).toHaveLength(1);
  });
});
