import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { AppRouter } from "../api/router";
import type { InstanceTemplateInput } from "../contracts/service";
import { parseEnv, type Env } from "../env";
import { startGantry, type Gantry } from "../gantry";
import { createLogger, silentLogger, type Logger } from "../lib/logger";
import { migratedPgliteSnapshot, seedGantryDatabase } from "./pglite-snapshot";
import { waitFor } from "./wait";

/**
 * Test files run in parallel workers: give each its own slice of ports so their instances never
 * collide. TEST_PORT_SLOT shifts the slices, for a second checkout testing at the same time.
 */
export function testPortRange(): { from: number; to: number } {
  const worker = Number(process.env.VITEST_POOL_ID ?? 0) + Number(process.env.TEST_PORT_SLOT ?? 0);
  // Below Linux's ephemeral ports (32768–60999): a client socket's source port would make a listener's bind fail.
  const from = 20000 + (worker % 12) * 1000;
  return { from, to: from + 799 };
}

/** The worker's listener ports: the top of its slice. */
export function testListenerRange(): { from: number; to: number } {
  const { to } = testPortRange();
  return { from: to + 1, to: to + 200 };
}

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `gantry-${prefix}-`));

/** The admin token every test Gantry accepts (GANTRY_BOOTSTRAP_TOKEN). */
export const TEST_TOKEN = "gantry-test-bootstrap-token-0123456789";
/** Headers that make a raw request (fetch, Consul) an admin's. */
export const adminHeaders = { authorization: `Bearer ${TEST_TOKEN}` };

/** A headless Gantry (no dashboard) on a free loopback port, accepting TEST_TOKEN as an admin. */
export async function startTestGantry(overrides: Partial<Env> = {}, options: { log?: Logger } = {}): Promise<Gantry> {
  const defaults = parseEnv({});
  const env: Env = {
    ...defaults,
    port: 0,
    dataDir: tempDir("data"),
    databaseUrl: "pglite:memory",
    logLevel: "silent",
    demo: false,
    dashboard: false,
    portRange: testPortRange(),
    listenerPortRange: testListenerRange(),
    ingressPort: 0,
    proxyWorkers: 1,
    // A data plane left behind by a test process that died must not hold the test ports for long.
    dataPlaneOrphanMs: 20_000,
    ...overrides,
    access: { ...defaults.access, bootstrapToken: TEST_TOKEN, ...overrides.access },
  };
  await seedGantryDatabase(env.dataDir, env.databaseUrl);
  return startGantry({
    env,
    databaseOptions: { inMemoryFrom: await migratedPgliteSnapshot() },
    // TEST_LOG_LEVEL=debug shows what a test's Gantry does.
    log: options.log ?? (process.env.TEST_LOG_LEVEL ? createLogger(process.env.TEST_LOG_LEVEL, fs.createWriteStream(process.env.TEST_LOG_FILE ?? "/dev/stderr", { flags: "a" })) : silentLogger),
  });
}

/** A tRPC client acting with `token` (the test admin's unless said otherwise). */
export const apiClient = (gantry: Pick<Gantry, "url">, token = TEST_TOKEN) =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${gantry.url}/api/trpc`, headers: { authorization: `Bearer ${token}` } })] });

export type ApiClient = ReturnType<typeof apiClient>;

/** One headless Gantry for a describe block: started before its tests, stopped after. Overrides may be computed then. */
export function useTestGantry(overrides: Partial<Env> | (() => Partial<Env>) = {}): { gantry: Gantry; api: ApiClient } {
  const context = {} as { gantry: Gantry; api: ApiClient };
  beforeAll(async () => {
    context.gantry = await startTestGantry(typeof overrides === "function" ? overrides() : overrides);
    context.api = apiClient(context.gantry);
  });
  afterAll(() => context.gantry?.stop());
  // A test CI runs again (vitest's retry) starts without the services its failed try made, so a
  // fixed name is free again and stray instances don't skew what it counts.
  let servicesBefore = new Set<string>();
  beforeEach(async ({ task }) => {
    const services = await context.api.services.list.query();
    if (!task.result?.retryCount) return void (servicesBefore = new Set(services.map((s) => s.id)));
    for (const { id } of services.filter((s) => !servicesBefore.has(s.id))) {
      await context.api.services.delete.mutate({ id });
      await waitFor(async () => ((await context.api.events.list.query({ serviceId: id, kind: "service.deleted" })).length ? true : undefined), "a failed try's service deleted", 30_000);
    }
  });
  return context;
}

const fixtureServer = path.join(import.meta.dirname, "fixtures/fixture-server.mjs");

/** A service template running the fixture server (see fixtures/fixture-server.mjs for its knobs). */
export const fixtureTemplate = (env: Record<string, string> = {}, overrides: Partial<InstanceTemplateInput> = {}): InstanceTemplateInput => ({
  command: process.execPath,
  args: [fixtureServer],
  env,
  ...overrides,
});

/**
 * A service of one fixture instance whose readiness follows its `/ready` (flip it with
 * `/toggle-ready`), probed every 100 ms; resolves once that instance is ready.
 */
export async function toggleableService(api: ApiClient, name: string) {
  const service = await api.services.create.mutate({
    name,
    template: fixtureTemplate({}, { probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 0.1, failureThreshold: 1 } } }),
  });
  const instance = await waitFor(async () => {
    const [first] = await api.instances.list.query({ serviceId: service.id });
    return first?.ready ? first : undefined;
  }, "ready");
  return { service, instance };
}
