import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../lib/logger";
import { createSecretBox, keyFile, parseSecretKey } from "../lib/secret-box";
import { testBackends, type TestDatabase } from "../testing/databases";
import { apiClient, startTestGantry, tempDir } from "../testing/gantry";
import { rawRequest } from "../testing/http";
import { copyOrder, copyStore, formatCopyProgress, migrationLevel, StoreCopyRefused, type TableCopyProgress, type TableShape } from "./copy-store";
import { openDatabase, type Prisma } from "./database";
import { Prisma as Rows } from "./generated/client";
import { defaultMigrationsDir, migrate } from "./migrate";

const PASSWORD = "correct horse battery staple";
const SECRET = "s3cret-db-password";
const EVENTS = 2_500;
const ROLLUPS = 1_500;
const models = Object.values(Rows.ModelName);
const postgres = testBackends().find((backend) => backend.name === "postgresql");
if (!postgres) console.warn("copy-store: the PostgreSQL directions are skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them");

const dropped: TestDatabase[] = [];
afterAll(async () => {
  for (const database of dropped) await database.drop();
});

async function withStore<T>(url: string, work: (prisma: Prisma) => Promise<T>): Promise<T> {
  const db = await openDatabase(url, tempDir("unused"));
  try {
    return await work(db.prisma);
  } finally {
    await db.close();
  }
}

/**
 * Every model's row count and a digest of its rows in PostgreSQL's text form (ids, timestamps,
 * JSON exactly), ordered bytewise so both backends' collations agree.
 */
async function fingerprint(url: string): Promise<Record<string, { rows: number; digest: string }>> {
  return withStore(url, (prisma) =>
    prisma.$transaction(async (tx) => {
      for (const setting of [`SET LOCAL DateStyle = 'ISO, YMD'`, `SET LOCAL TimeZone = 'UTC'`, `SET LOCAL extra_float_digits = 3`]) await tx.$executeRawUnsafe(setting);
      const result: Record<string, { rows: number; digest: string }> = {};
      for (const model of models) {
        const [row] = await tx.$queryRawUnsafe<Array<{ rows: number; digest: string }>>(
          `SELECT count(*)::int AS "rows", md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C"), '')) AS "digest" FROM "${model}" t`,
        );
        result[model] = row!;
      }
      return result;
    }),
  );
}

type Filled = { url: string; dataDir: string; secretKey: string; token: string; services: string[]; lastEventId: bigint };

/**
 * A store with rows in every model, made the way Gantry makes them: services with revisions, a
 * dependency, a secret, a user who signed in, an API token (through the API); engine records and
 * thousands of events and metric rollups (through the store, as the engine writes them).
 */
async function fill(url: string, dataDir: string, secretKey: string): Promise<Filled> {
  const gantry = await startTestGantry({ databaseUrl: url, dataDir, secretKey });
  let token: string;
  try {
    const api = apiClient(gantry);
    const web = await api.services.create.mutate({ name: "web", replicas: 0, template: { command: "node", args: ["server.js"], env: { DB_PASSWORD: SECRET }, secretEnv: ["DB_PASSWORD"] } });
    const db = await api.services.create.mutate({ name: "db", replicas: 0, template: { command: "postgres" } });
    await api.dependencies.create.mutate({ fromId: web.id, toId: db.id });
    const current = await api.services.get.query({ id: web.id });
    await api.services.update.mutate({ id: web.id, version: current.version, patch: { template: { args: ["server.js", "--workers", "4"] } } });
    const ana = await api.users.create.mutate({ username: "ana", password: PASSWORD, role: "editor" });
    token = (await api.tokens.create.mutate({ name: "ci", role: "editor", userId: ana.id })).secret;
    // Alerts: a Slack receiver (its URL sealed with the secret key) and a silence; rules come with the schema.
    await api.alerts.createReceiver.mutate({ name: "ops", kind: "slack", url: "https://hooks.slack.example/services/T0/B0/secret" });
    await api.alerts.silence.mutate({ serviceName: "web", minutes: 60, reason: "maintenance ✓" });
    const signIn = await rawRequest(`${gantry.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-gantry-csrf": "1" }, body: JSON.stringify({ username: "ana", password: PASSWORD }) });
    expect(signIn.status).toBe(200);
  } finally {
    await gantry.stop();
  }

  return withStore(url, async (prisma) => {
    const web = await prisma.service.findUniqueOrThrow({ where: { name: "web" } });
    const started = new Date("2026-12-01T10:00:00.123Z");
    await prisma.instance.create({ data: { id: "web-1a2b", serviceId: web.id, revision: 2, phase: "running", ready: true, runtime: { kind: "process", pid: 4242, startTime: "123456" }, port: 20001, startedAt: started } });
    await prisma.registration.create({ data: { id: "web-consul-1", serviceId: web.id, address: "10.0.0.7", port: 8080, tags: ["v2"], checks: [{ ttl: "10s" }] } });
    if ((await prisma.rollout.count()) === 0) {
      await prisma.rollout.create({ data: { id: randomUUID(), serviceId: web.id, fromRevision: 1, toRevision: 2, cause: "update", status: "succeeded", replicas: 0, remaining: 0, finishedAt: started } });
    }
    await prisma.event.createMany({
      data: Array.from({ length: EVENTS }, (_, i) => ({
        at: new Date(started.getTime() + i * 1_000 + (i % 1000)),
        kind: "instance.ready",
        actor: "engine",
        serviceId: web.id,
        serviceName: "web",
        message: `instance ${i} ready ✓`,
        data: i % 3 === 0 ? Rows.JsonNull : i % 3 === 1 ? { attempt: i, ratio: 0.1 + 0.2 } : Rows.DbNull,
      })),
    });
    const rule = await prisma.alertRule.findFirstOrThrow({ orderBy: { name: "asc" } });
    const alertId = `${rule.id}/service:${web.id}`;
    await prisma.alert.create({
      data: { id: alertId, ruleId: rule.id, ruleName: rule.name, severity: "critical", serviceId: web.id, serviceName: "web", subject: `service:${web.id}`, state: "firing", summary: "web is down", value: 0.5, activeAt: started, firedAt: started, notified: true },
    });
    const receiver = await prisma.alertReceiver.findFirstOrThrow();
    await prisma.alertNotification.create({ data: { receiverId: receiver.id, idempotencyKey: `${alertId}:firing:${started.toISOString()}`, payload: { state: "firing", summary: "web is down" }, attempts: 2, lastError: "HTTP 500" } });
    await prisma.metricRollup.createMany({
      data: Array.from({ length: ROLLUPS }, (_, i) => ({ series: `web:rps:${i % 3}`, at: new Date(started.getTime() + Math.floor(i / 3) * 60_000), point: { avg: i / 7, max: i } })),
    });
    const counts = await fingerprint(url);
    // The guard against a model added to the schema but not filled here (and so never checked).
    for (const model of models) expect(counts[model]!.rows, `the test store has no ${model} rows: fill it in copy-store.test.ts`).toBeGreaterThan(0);
    const last = await prisma.event.findFirstOrThrow({ orderBy: { id: "desc" } });
    return { url, dataDir, secretKey, token: token!, services: ["db", "web"], lastEventId: last.id };
  });
}

/** What a Gantry started on the copy shows: the same services, events, users, a working token and secret. */
async function expectUsable(source: Filled, targetUrl: string) {
  const gantry = await startTestGantry({ databaseUrl: targetUrl, dataDir: tempDir("target"), secretKey: source.secretKey });
  try {
    const api = apiClient(gantry);
    expect((await api.services.list.query()).map((service) => service.name).sort()).toEqual(source.services);
    const events = await api.events.list.query({ text: `instance ${EVENTS - 1} ready` });
    expect(events.map((event) => event.message)).toEqual([`instance ${EVENTS - 1} ready ✓`]);
    // The source's alert rules replaced the target's own seeded defaults, one of each.
    expect((await api.alerts.rules.query()).length).toBe(7);
    expect((await api.alerts.receivers.query()).map((receiver) => receiver.name)).toEqual(["ops"]);
    const signIn = await rawRequest(`${gantry.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-gantry-csrf": "1" }, body: JSON.stringify({ username: "ana", password: PASSWORD }) });
    expect(signIn.status).toBe(200);
    const asAna = apiClient(gantry, source.token);
    const created = await asAna.services.create.mutate({ name: "after-move", replicas: 0, template: { command: "true" } });
    expect(created.name).toBe("after-move");
    await withStore(targetUrl, async (prisma) => {
      // New events continue after the copied ones: the sequence came along.
      const newest = await prisma.event.findFirstOrThrow({ where: { serviceName: "after-move" }, orderBy: { id: "desc" } });
      expect(newest.id).toBeGreaterThan(source.lastEventId);
      const web = await prisma.service.findUniqueOrThrow({ where: { name: "web" } });
      const env = (web.template as { env: Record<string, string> }).env;
      expect(createSecretBox(parseSecretKey(source.secretKey)).open(env.DB_PASSWORD!)).toBe(SECRET);
    });
  } finally {
    await gantry.stop();
  }
}

/** Copies `from` (the source's URL unless another name for it is given) and checks the copy against the source. */
async function expectCopied(source: Filled, targetUrl: string, from = source.url) {
  const before = await fingerprint(source.url);
  const progress: TableCopyProgress[] = [];
  const started = performance.now();
  const result = await copyStore(from, targetUrl, { progress: (p) => progress.push(p) });
  const ms = Math.round(performance.now() - started);
  const rows = result.tables.reduce((sum, table) => sum + table.rows, 0);
  console.info(`copy-store: ${rows.toLocaleString("en-US")} rows from ${source.url.split(":")[0]} to ${targetUrl.split(":")[0]} in ${ms} ms`);

  // Every model, every row, byte for byte; the source untouched.
  expect(await fingerprint(targetUrl)).toEqual(before);
  expect(await fingerprint(source.url)).toEqual(before);
  expect(result.tables.map((table) => table.table).sort()).toEqual([...models].sort());
  expect(result.tables.find((table) => table.table === "Event")?.rows).toBe(before.Event!.rows);
  // Parents before children.
  const order = result.tables.map((table) => table.table);
  expect(order.indexOf("Service")).toBeLessThan(order.indexOf("Revision"));
  expect(order.indexOf("User")).toBeLessThan(order.indexOf("ApiToken"));
  // Paged, and said so.
  expect(progress.filter((p) => p.table === "Event").map(formatCopyProgress)).toContain(`Event: 1,000 / ${before.Event!.rows.toLocaleString("en-US")}`);
  expect(progress.at(-1)).toMatchObject({ copied: progress.at(-1)!.total });
  expect(result.secrets.sealed).toBeGreaterThanOrEqual(2); // the service's template and its revisions'
  return result;
}

describe("copyStore between backends", () => {
  it("pglite → pglite: every model with rows (a model added to the schema fails here until filled and copied), then a Gantry on the copy works", async () => {
    const dir = tempDir("source");
    const key = randomKey();
    const source = await fill(`pglite:${path.join(dir, "pglite")}`, dir, key);
    const targetDir = tempDir("copy");
    const result = await expectCopied(source, `pglite:${path.join(targetDir, "pglite")}`);
    expect(result.secrets.unreadable).toBeUndefined(); // the key came from GANTRY_SECRET_KEY, not the data dir
    await expectUsable(source, `pglite:${path.join(targetDir, "pglite")}`);
  }, 120_000);

  it.skipIf(!postgres)("pglite → postgresql, the source named by its data dir, its key file found", async () => {
    const dir = tempDir("source");
    const key = randomKey();
    fs.writeFileSync(keyFile(dir), key, { mode: 0o600 });
    const source = await fill(`pglite:${path.join(dir, "pglite")}`, dir, key);
    const target = await postgres!.create();
    dropped.push(target);
    const result = await expectCopied(source, target.url, `pglite:${dir}`);
    expect(result.secrets).toMatchObject({ unreadable: 0, keyFile: keyFile(dir) });
    expect(result.notes.join("\n")).toContain(`GANTRY_SECRET_KEY=$(cat ${keyFile(dir)})`);
    await expectUsable(source, target.url);
  }, 120_000);

  it.skipIf(!postgres)("postgresql → pglite", async () => {
    const sourceDb = await postgres!.create();
    dropped.push(sourceDb);
    const source = await fill(sourceDb.url, tempDir("source"), randomKey());
    const targetDir = tempDir("copy");
    const result = await expectCopied(source, `pglite:${path.join(targetDir, "pglite")}`);
    expect(result.notes.join("\n")).toContain(`GANTRY_DATA_DIR=${targetDir}`);
    await expectUsable(source, `pglite:${path.join(targetDir, "pglite")}`);
  }, 120_000);
});

describe("copyStore refuses", () => {
  const stores = async () => {
    const dir = tempDir("source");
    const source = await fill(`pglite:${path.join(dir, "pglite")}`, dir, randomKey());
    return source;
  };

  it("a target that already holds rows, naming them; force replaces them", async () => {
    const source = await stores();
    const targetDir = tempDir("held");
    const target = `pglite:${path.join(targetDir, "pglite")}`;
    await withStore(target, async (prisma) => {
      await migrate(prisma, silentLogger);
      await prisma.service.create({ data: { id: randomUUID(), name: "already-here", replicas: 1, template: {} } });
      await prisma.user.create({ data: { id: randomUUID(), username: "someone", role: "admin" } });
    });
    await expect(copyStore(source.url, target)).rejects.toThrow(/already holds 1 User, 1 Service: copy into an empty database, or force/);
    expect((await fingerprint(target)).Service!.rows).toBe(1);
    await copyStore(source.url, target, { force: true });
    expect(await fingerprint(target)).toEqual(await fingerprint(source.url));
  }, 120_000);

  it("a source at an older schema, leaving it as it was", async () => {
    const dir = tempDir("old");
    const older = fs.mkdtempSync(path.join(dir, "migrations-"));
    for (const name of fs.readdirSync(defaultMigrationsDir).filter((name) => !name.endsWith(".toml")).sort().slice(0, 3)) fs.cpSync(path.join(defaultMigrationsDir, name), path.join(older, name), { recursive: true });
    const url = `pglite:${path.join(dir, "pglite")}`;
    await withStore(url, (prisma) => migrate(prisma, silentLogger, older));
    const copy = copyStore(url, `pglite:${path.join(tempDir("copy"), "pglite")}`);
    await expect(copy).rejects.toBeInstanceOf(StoreCopyRefused);
    await expect(copy).rejects.toThrow(/older schema .*start this version of Gantry on it once/);
    const applied = await withStore(url, (prisma) => prisma.$queryRawUnsafe<unknown[]>(`SELECT * FROM "_gantry_migrations"`));
    expect(applied).toHaveLength(3);
  }, 60_000);

  it("a source that isn't a store, and copying a store onto itself", async () => {
    await expect(copyStore(`pglite:${tempDir("empty")}`, "pglite:memory")).rejects.toThrow(/no Gantry store at/);
    const dir = tempDir("self");
    await withStore(`pglite:${path.join(dir, "pglite")}`, (prisma) => migrate(prisma, silentLogger));
    await expect(copyStore(`pglite:${dir}`, `pglite:${path.join(dir, "pglite")}`)).rejects.toThrow(/the same store/);
  }, 60_000);

  it("a source whose Gantry is running", async () => {
    const dir = tempDir("running");
    const gantry = await startTestGantry({ databaseUrl: `pglite:${path.join(dir, "pglite")}`, dataDir: dir });
    try {
      await expect(copyStore(`pglite:${dir}`, `pglite:${path.join(tempDir("copy"), "pglite")}`)).rejects.toThrow(/data dir is in use: .*stop that Gantry before copying/);
    } finally {
      await gantry.stop();
    }
  }, 60_000);
});

describe("copy decisions", () => {
  const table = (name: string, references: string[] = []): TableShape => ({ name, columns: [{ name: "id", type: "uuid" }], primaryKey: [{ name: "id", type: "uuid" }], references, sequences: [], identityAlways: false });

  it("orders tables after the ones they reference", () => {
    const order = copyOrder([table("ApiToken", ["User"]), table("Revision", ["Service"]), table("Service"), table("User"), table("Edge", ["Service", "Revision"])]).map((t) => t.name);
    for (const [child, parent] of [["ApiToken", "User"], ["Revision", "Service"], ["Edge", "Revision"]] as const) expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
  });

  it("refuses tables referencing each other, or themselves", () => {
    expect(() => copyOrder([table("A", ["B"]), table("B", ["A"])])).toThrow(/cycle \(A → B → A\)/);
    expect(() => copyOrder([table("Tree", ["Tree"])])).toThrow(/cycle/);
  });

  it.each([
    [["a", "b"], ["a", "b"], { kind: "same" }],
    [["a"], ["a", "b"], { kind: "older", missing: ["b"] }],
    [["a", "b", "c"], ["a", "b"], { kind: "newer", unknown: ["c"] }],
  ])("applied %j against committed %j is %j", (applied, committed, level) => {
    expect(migrationLevel(applied, committed)).toEqual(level);
  });
});

function randomKey(): string {
  return Buffer.from(Array.from({ length: 32 }, () => Math.floor(Math.random() * 256))).toString("hex");
}
