import { describe, expect, it } from "vitest";
import { adminHeaders, apiClient, startTestGantry, tempDir } from "../testing/gantry";
import { rawRequest } from "../testing/http";

const register = (base: string, check: Record<string, string>) =>
  rawRequest(`${base}/v1/agent/service/register`, {
    method: "PUT",
    headers: adminHeaders,
    body: JSON.stringify({ Name: "billing", ID: "billing-1", Address: "127.0.0.1", Port: 9, Check: check }),
  });

const refusedChecks: Array<[Record<string, string>, RegExp]> = [
  [{ HTTP: "http://127.0.0.1:9/health", Interval: "0s" }, /Interval must be at least 0.1 seconds/],
  [{ HTTP: "http://127.0.0.1:9/health", Interval: "50ms" }, /Interval must be at least 0.1 seconds/],
  [{ TCP: "127.0.0.1:9", Interval: "2h" }, /Interval must be at most 3600 seconds/],
  [{ TCP: "127.0.0.1:9", Interval: "10s", Timeout: "0s" }, /Timeout must be at least 0.1 seconds/],
  [{ TCP: "127.0.0.1:0", Interval: "10s" }, /TCP port must be 1-65535/],
  [{ TTL: "0s" }, /TTL must be at least 0.1 seconds/],
  [{ TTL: "720h" }, /TTL must be at most 24 hours/],
];

describe("hardening: a value the API accepted never stops the next boot", () => {
  it("refuses checks the engine couldn't run with 400 naming the field, and still boots", { timeout: 30_000 }, async () => {
    const dataDir = tempDir("boot-survives");
    const first = await startTestGantry({ dataDir, databaseUrl: undefined });
    try {
      for (const [check, message] of refusedChecks) {
        const res = await register(first.url, check);
        expect({ check, status: res.status }).toEqual({ check, status: 400 });
        expect(res.body).toMatch(message);
      }
    } finally {
      await first.stop();
    }
    const second = await startTestGantry({ dataDir, databaseUrl: undefined });
    await second.stop();
  });
});

describe("hardening: one bad stored row never stops a boot", () => {
  it("skips a registration, a service and a metric point it can't read, says which in the log's events, and runs the rest", { timeout: 60_000 }, async () => {
    const dataDir = tempDir("bad-rows");
    const first = await startTestGantry({ dataDir, databaseUrl: undefined });
    let healthy: string;
    try {
      const api = apiClient(first);
      healthy = (await api.services.create.mutate({ name: "healthy", replicas: 1, template: { command: "sleep", args: ["600"], listens: false } })).id;
      await api.services.create.mutate({ name: "mangled", replicas: 0, template: { command: "true" } });
      expect((await register(first.url, { TTL: "30s" })).status).toBe(200);
    } finally {
      await first.stop();
    }
    // What a bug, an older version or a hand edit could leave behind.
    const { openDatabase } = await import("../store/database");
    const db = await openDatabase(undefined, dataDir);
    await db.prisma.$executeRawUnsafe(`UPDATE "Registration" SET "checks" = '[{"id":"service:billing-1","name":"x","kind":"http","target":"http://127.0.0.1:9/","header":{},"intervalMs":0,"timeoutMs":0,"ttlMs":0,"initialStatus":"critical"}]'`);
    await db.prisma.$executeRawUnsafe(`UPDATE "Service" SET "template" = '{"command": 42}' WHERE "name" = 'mangled'`);
    await db.prisma.$executeRawUnsafe(`INSERT INTO "MetricRollup" ("series", "at", "point") VALUES ('service:x', now(), '"not a point"')`);
    await db.close();

    const second = await startTestGantry({ dataDir, databaseUrl: undefined });
    try {
      const api = apiClient(second);
      const skipped = await api.events.list.query({ kind: "system.row-skipped" });
      expect(skipped.map((e) => e.message).sort()).toEqual([
        expect.stringMatching(/^skipped stored Registration billing-1: .*intervalMs.* — fix or delete it$/),
        expect.stringMatching(/^skipped stored Service mangled: .*command.* — fix or delete it$/),
      ]);
      expect((await api.services.list.query()).map((s) => s.name)).toEqual(["billing", "healthy"]);
      const [instance] = await api.instances.list.query({ serviceId: healthy });
      expect(instance?.phase).toBe("Running");
    } finally {
      await second.stop();
    }
  });
});

describe("hardening: every value at the edge of what the API accepts boots again", () => {
  it("stores services, registrations, users and tokens at their limits, restarts, and reads them back unchanged", { timeout: 60_000 }, async () => {
    const dataDir = tempDir("edges");
    const big = "x".repeat(4096);
    const template = {
      command: "true",
      args: Array.from({ length: 256 }, () => big.slice(0, 100)),
      cwd: "",
      env: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`VAR_${i}`, i === 0 ? "v".repeat(32_768) : `ü🙂 ${i} constructor`])),
      secretEnv: ["VAR_1"],
      restartPolicy: "never" as const,
      stopSignal: "SIGUSR2" as const,
      gracePeriodSeconds: 3600,
      memoryLimitMb: 1_048_576,
      probes: {
        startup: { kind: "tcp" as const, port: 65535, initialDelaySeconds: 3600, periodSeconds: 3600, timeoutSeconds: 3600, successThreshold: 1, failureThreshold: 100 },
        readiness: { kind: "http" as const, path: `/${big.slice(0, 2000)}`, headers: { toString: "x", "X-A": big }, periodSeconds: 0.1, timeoutSeconds: 0.1, successThreshold: 100 },
        liveness: { kind: "exec" as const, command: Array.from({ length: 64 }, () => "true"), periodSeconds: 0.1 },
      },
    };
    const first = await startTestGantry({ dataDir, databaseUrl: undefined });
    let before: unknown;
    try {
      const api = apiClient(first);
      const service = await api.services.create.mutate({
        name: `a${"b".repeat(61)}c`,
        replicas: 0,
        template,
        labels: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}.x_y-z`, "v".repeat(63)])),
        position: { x: -1_000_000, y: 1_000_000 },
        strategy: { maxSurge: 100, maxUnavailable: 100, minReadySeconds: 3600, progressDeadlineSeconds: 86_400, autoRollback: true },
        traffic: {
          policy: "ring_hash",
          hashOn: { kind: "cookie", name: "c".repeat(256) },
          weights: { instances: { constructor: 1000 }, revisions: { "2147483647": 0 } },
          routes: Array.from({ length: 50 }, (_, i) => ({ host: `*.h${i}.example.com`, pathPrefix: `/${i}${big.slice(0, 1000)}`, stripPrefix: true })),
          retries: 5,
          connectTimeoutMs: 60_000,
          requestTimeoutMs: 600_000,
          maxConnections: 100_000,
          maxPendingRequests: 0,
          metricsPath: `/${big.slice(0, 500)}`,
          outlier: { consecutiveErrors: 1000, baseEjectionSeconds: 0.1, maxEjectionPercent: 100 },
        },
      });
      await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { ...template.env, VAR_1: "<secret>", VAR_2: "changed" } } } });
      for (const check of [
        { HTTP: `http://127.0.0.1:65535/${big.slice(0, 100)}`, Interval: "100ms", Timeout: "3600s", Header: { toString: ["x"] } },
        { TCP: "127.0.0.1:1", Interval: "1h", Timeout: "0.1s" },
        { TTL: "24h" },
        { TTL: "100ms", Status: "passing" },
      ]) {
        const res = await rawRequest(`${first.url}/v1/agent/service/register`, {
          method: "PUT",
          headers: adminHeaders,
          body: JSON.stringify({ Name: "edge-ext", ID: `edge-${Object.keys(check)[0]}-${Object.values(check)[1]}`, Port: 65535, Tags: Array(64).fill("t"), Meta: { constructor: "m".repeat(512) }, Check: check }),
        });
        expect(res.status, res.body).toBe(200);
      }
      const user = await api.users.create.mutate({ username: `u${"@".repeat(10)}.x`, displayName: "d".repeat(128), password: "p".repeat(1024), role: "viewer", grants: Array.from({ length: 50 }, (_, i) => ({ role: "admin", label: `k${i}=` })) });
      await api.tokens.create.mutate({ name: "n".repeat(64), role: "viewer", expiresInDays: 3650, userId: user.id });
      await api.tokens.create.mutate({ name: "forever", role: "viewer", expiresInDays: null, userId: user.id });
      before = await Promise.all([api.services.list.query(), api.users.list.query(), api.tokens.list.query(), api.dependencies.list.query()]);
    } finally {
      await first.stop();
    }
    const second = await startTestGantry({ dataDir, databaseUrl: undefined });
    try {
      const api = apiClient(second);
      expect(await api.events.list.query({ kind: "system.row-skipped" })).toEqual([]);
      const after = await Promise.all([api.services.list.query(), api.users.list.query(), api.tokens.list.query(), api.dependencies.list.query()]);
      expect(after).toEqual(before);
      const catalog = await rawRequest(`${second.url}/v1/health/service/edge-ext`, { headers: adminHeaders });
      expect(JSON.parse(catalog.body)).toHaveLength(4);
    } finally {
      await second.stop();
    }
  });
});
