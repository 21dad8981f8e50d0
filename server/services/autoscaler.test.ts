import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AutoscaleSettingsInput } from "../contracts/autoscale";
import type { MetricPoint } from "../contracts/metrics";
import { silentLogger } from "../lib/logger";
import { ManualClock } from "../lib/manual-clock";
import { createSecretBox } from "../lib/secret-box";
import { testBackends } from "../testing/databases";
import { migratedStore, type MigratedStore } from "../testing/store";
import { createAutoscaler, type Autoscaler } from "./autoscaler";
import { createTopology, type Topology } from "./topology";

const [pglite] = testBackends();
const settings = (input: Partial<AutoscaleSettingsInput> = {}): AutoscaleSettingsInput => ({
  maxReplicas: 5,
  targets: { requestsPerSecond: 100 },
  behavior: { scaleDown: { stabilizationWindowSeconds: 10 } },
  ...input,
});

/** The autoscaler against a real store, with the engine's metrics and ready counts made up per test, on a manual clock. */
describe("the autoscaler", () => {
  let store: MigratedStore;
  let topology: Topology;
  let autoscaler: Autoscaler;
  let clock: ManualClock;
  /** Requests/s each service's listener saw lately, and its ready instances. */
  const traffic = new Map<string, number>();
  const ready = new Map<string, number>();

  beforeAll(async () => {
    store = await migratedStore(pglite!);
    topology = createTopology({ prisma: store.prisma, feed: store.feed, secrets: createSecretBox(randomBytes(32)), baseDir: ".", listenerPorts: { from: 19000, to: 19999 }, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
  });
  afterAll(() => store.dispose());
  beforeEach(async () => {
    await store.prisma.$executeRawUnsafe(`TRUNCATE "Service", "Event" CASCADE`);
    clock = new ManualClock();
    autoscaler = createAutoscaler({
      prisma: store.prisma,
      feed: store.feed,
      clock,
      log: silentLogger,
      syncMs: 1000,
      series: (keys) => ({
        window: "5m",
        resolutionMs: 1000,
        series: Object.fromEntries(keys.map((key) => [key, [{ at: clock.now() - 1000, rps: traffic.get(key.slice("service:".length)) ?? 0 } satisfies MetricPoint]])),
      }),
      readyOf: (id) => ready.get(id) ?? 0,
    });
  });

  async function service(name: string, replicas: number, autoscale: AutoscaleSettingsInput | null = settings()) {
    const created = await topology.createService({ name, replicas, template: { command: "node" }, autoscale }, "tester");
    ready.set(created.id, replicas);
    return created;
  }
  const replicasOf = async (id: string) => (await topology.getService(id)).replicas;
  const events = async (kind: string) => (await store.prisma.event.findMany({ where: { kind }, orderBy: { id: "asc" } })).map((e) => e.message);

  it("writes the count the metrics call for, as the autoscaler, with the numbers in the event", async () => {
    const web = await service("web", 1);
    traffic.set(web.id, 620);
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(5);
    expect(await events("service.autoscaled")).toEqual(["autoscaled web 1 → 5: 620 req/s over 1 instance, target 100 (held at max replicas)"]);
    expect((await store.prisma.event.findFirst({ where: { kind: "service.autoscaled" } }))?.actor).toBe("autoscaler");
    const status = await autoscaler.status(web.id);
    expect(status.samples).toEqual([{ at: clock.now(), wanted: 5, ready: 1, metrics: { requestsPerSecond: 620 } }]);
    expect(status.lastDecision).toBe("1 → 5: 620 req/s over 1 instance, target 100 (held at max replicas)");
  });

  it("after a restart or a resume, starts from the count it finds and waits out the scale-down window", async () => {
    const web = await service("web", 4);
    traffic.set(web.id, 10);
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(4);
    await clock.advance(9000);
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(4);
    await clock.advance(1000);
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(1);
  });

  it("leaves a paused service alone until it is resumed, and never writes over a hand scale", async () => {
    const web = await service("web", 1);
    traffic.set(web.id, 300);
    await topology.scaleService({ id: web.id, replicas: 2 }, "user:ana");
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(2);
    expect((await autoscaler.status(web.id)).lastDecision).toBe("paused: scaled by hand");

    await autoscaler.resume(web.id, "user:ana");
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(3);
    expect(await events("service.autoscaling-resumed")).toEqual(["resumed autoscaling of web at 2 replica(s)"]);
  });

  it("an edit that types a count pauses it; turning autoscaling off clears the pause and what it remembered", async () => {
    const web = await service("web", 1);
    await autoscaler.syncAll();
    const edited = await topology.updateService({ id: web.id, version: (await topology.getService(web.id)).version, patch: { replicas: 3 } }, "user:ana");
    expect(edited.autoscalePausedAt).not.toBeNull();
    expect(await events("service.autoscaling-paused")).toEqual(["paused autoscaling of web: scaled by hand from 1 to 3; resume it to let the autoscaler decide again"]);

    const off = await topology.updateService({ id: web.id, version: edited.version, patch: { autoscale: null } }, "user:ana");
    expect(off).toMatchObject({ autoscale: null, autoscalePausedAt: null });
    await autoscaler.syncAll();
    expect(await autoscaler.status(web.id)).toEqual({ settings: null, pausedAt: null, samples: [], lastDecision: null });
    await expect(autoscaler.resume(web.id, "user:ana")).rejects.toThrow("web is not autoscaled: set min/max replicas and a target first");
  });

  it("a sync that fails for one service goes on with the others", async () => {
    const broken = await service("broken", 1);
    const web = await service("web", 1);
    traffic.set(web.id, 250);
    // A row no version of Gantry would write: its settings don't parse.
    await store.prisma.service.update({ where: { id: broken.id }, data: { autoscale: { maxReplicas: "many" } } });
    await autoscaler.syncAll();
    expect(await replicasOf(web.id)).toBe(3);
  });
});
