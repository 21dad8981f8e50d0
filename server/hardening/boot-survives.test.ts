import { describe, expect, it } from "vitest";
import { adminHeaders, apiClient, startTestGantry, tempDir } from "../testing/gantry";
import { rawRequest } from "../testing/http";

const register = (base: string, check: Record<string, string>) =>
  rawRequest(`${base}/v1/agent/service/register`, {
    method: "PUT",
    headers: adminHeaders,
    body: JSON.stringify({ Name: "billing", ID: "billing-1", Address: "127.0.0.1", Port: 9, Check: check }),
  });

describe("hardening: a value the API accepted never stops the next boot", () => {
  it.each([
    [{ HTTP: "http://127.0.0.1:9/health", Interval: "0s" }, /Interval must be at least 0.1 seconds/],
    [{ HTTP: "http://127.0.0.1:9/health", Interval: "50ms" }, /Interval must be at least 0.1 seconds/],
    [{ TCP: "127.0.0.1:9", Interval: "2h" }, /Interval must be at most 3600 seconds/],
    [{ TCP: "127.0.0.1:9", Interval: "10s", Timeout: "0s" }, /Timeout must be at least 0.1 seconds/],
    [{ TCP: "127.0.0.1:0", Interval: "10s" }, /TCP port must be 1-65535/],
    [{ TTL: "0s" }, /TTL must be at least 0.1 seconds/],
    [{ TTL: "720h" }, /TTL must be at most 24 hours/],
  ])("refuses the check %j with 400 naming the field, and still boots", { timeout: 30_000 }, async (check, message) => {
    const dataDir = tempDir("boot-survives");
    const first = await startTestGantry({ dataDir, databaseUrl: undefined });
    try {
      const res = await register(first.url, check);
      expect(res.status).toBe(400);
      expect(res.body).toMatch(message);
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
