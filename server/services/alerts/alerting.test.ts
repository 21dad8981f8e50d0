import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertRuleInput } from "../../contracts/alerts";
import type { Instance } from "../../contracts/instance";
import { silentLogger } from "../../lib/logger";
import { ManualClock } from "../../lib/manual-clock";
import { createSecretBox } from "../../lib/secret-box";
import { newId } from "../../lib/ids";
import { testBackends } from "../../testing/databases";
import { migratedStore, type MigratedStore } from "../../testing/store";
import { createAlerts } from "./alerts";
import { AlertEvaluator } from "./evaluator";
import { Notifier } from "./notifier";

type Sent = { at: number; url: string; key: string; body: Record<string, unknown> };

describe.each(testBackends())("alerting on $name", (backend) => {
  let store: MigratedStore;
  let clock: ManualClock;
  let instances: Array<Pick<Instance, "serviceId" | "phase" | "ready" | "ejected">>;
  let serviceId: string;
  const secrets = createSecretBox(randomBytes(32));
  /** What the receiver answers next (a status, or "down": the connection fails). */
  let answers: Array<number | "down">;
  let sent: Sent[];
  /** Receivers (by a part of their URL) that can't be reached. */
  let unreachable: Set<string>;

  beforeAll(async () => {
    store = await migratedStore(backend);
  });
  afterAll(() => store?.dispose());

  beforeEach(async () => {
    const { prisma } = store;
    await prisma.alertRule.deleteMany();
    await prisma.alert.deleteMany();
    await prisma.alertReceiver.deleteMany();
    await prisma.alertSilence.deleteMany();
    await prisma.service.deleteMany();
    serviceId = newId();
    await prisma.service.create({ data: { id: serviceId, name: "api", replicas: 1, template: {} } });
    clock = new ManualClock();
    instances = [];
    answers = [];
    sent = [];
    unreachable = new Set();
  });

  const ready = (yes: boolean) => (instances = [{ serviceId, phase: "Running", ready: yes, ejected: false }]);
  const parts = () => {
    const alerts = createAlerts({ prisma: store.prisma, feed: store.feed, secrets, clock });
    const evaluator = new AlertEvaluator({
      prisma: store.prisma,
      feed: store.feed,
      sources: { instances: () => instances, catalog: () => [], trafficTotals: () => undefined, p95: () => null },
      clock,
      log: silentLogger,
      intervalMs: 1000,
      notify: () => {},
    });
    const notifier = new Notifier({
      prisma: store.prisma,
      secrets,
      clock,
      log: silentLogger,
      retry: { initialMs: 1000, maxMs: 8000 },
      send: async (url, body, headers) => {
        const answer = [...unreachable].some((part) => url.includes(part)) ? "down" : (answers.shift() ?? 200);
        if (answer === "down") throw new Error("connect ECONNREFUSED");
        sent.push({ at: clock.now(), url, key: headers["idempotency-key"]!, body: body as Record<string, unknown> });
        return answer;
      },
    });
    return { alerts, evaluator, notifier };
  };
  const rule = (spec: Partial<AlertRuleInput> = {}) => parts().alerts.createRule({ kind: "service-down", name: "api-down", severity: "critical", forSeconds: 30, ...spec } as AlertRuleInput, "test");
  const receiver = (kind: "webhook" | "slack" = "webhook") => parts().alerts.createReceiver({ name: `hook-${kind}`, kind, url: `https://hooks.example.com/${kind}/T0/SECRET` }, "test");
  /** Evaluates and delivers at each of `seconds` from now. */
  async function run({ evaluator, notifier }: ReturnType<typeof parts>, seconds: number[]) {
    let at = 0;
    for (const second of seconds) {
      await clock.advance(second * 1000 - at);
      at = second * 1000;
      await evaluator.evaluate();
      await notifier.deliver();
    }
  }
  const statuses = () => sent.map((s) => (s.body as { status: string }).status);

  it("fires only after the condition held for `for`, notifies once, and resolves", async () => {
    await rule();
    await receiver();
    const p = parts();
    ready(false);
    await run(p, [0, 29]);
    expect((await p.alerts.list()).map((a) => a.state)).toEqual(["pending"]);
    expect(sent).toEqual([]);
    await run(p, [30, 31, 45]);
    expect(statuses()).toEqual(["firing"]);
    const [alert] = await p.alerts.list();
    expect(alert).toMatchObject({ state: "firing", ruleName: "api-down", serviceName: "api", summary: "api is down: 0 of 1 instances ready" });
    expect(sent[0]!.key).toBe(`${alert!.id}:firing:${alert!.firedAt}`);
    ready(true);
    await run(p, [46]);
    expect(statuses()).toEqual(["firing", "resolved"]);
    expect((await p.alerts.list())[0]).toMatchObject({ state: "resolved" });
    expect(sent[1]!.body).toMatchObject({ status: "resolved", alert: { labels: { alertname: "api-down", service: "api", severity: "critical" } } });
  });

  it("a condition that stops holding while pending never notifies", async () => {
    await rule();
    await receiver();
    const p = parts();
    ready(false);
    await run(p, [0, 20]);
    ready(true);
    await run(p, [21, 60]);
    expect(sent).toEqual([]);
    expect(await p.alerts.list()).toEqual([]);
  });

  it("retries a failing receiver with backoff, keeping the resolution behind its firing", async () => {
    await rule({ forSeconds: 0 });
    await receiver();
    const p = parts();
    answers = [500, "down", 500];
    ready(false);
    await run(p, [0]); // 500: next try in 1 s
    ready(true);
    await run(p, [0.5, 1, 2, 3, 5, 6, 7]); // down at 1 (next in 2 s), 500 at 3 (next in 4 s), delivered at 7
    expect(sent.map((s) => [s.at - sent[0]!.at, (s.body as { status: string }).status])).toEqual([
      [0, "firing"],
      [3000, "firing"],
      [7000, "firing"],
      [7000, "resolved"],
    ]);
    expect((await p.alerts.receivers())[0]).toMatchObject({ pending: 0, lastError: null });
  });

  it("a silenced alert is not notified while the silence lasts, and is once it ends", async () => {
    await rule({ forSeconds: 0 });
    await receiver();
    const p = parts();
    await p.alerts.createSilence({ serviceName: "api", minutes: 1, reason: "deploying by hand" }, "test");
    ready(false);
    await run(p, [0, 30]);
    expect(sent).toEqual([]);
    expect((await p.alerts.list())[0]).toMatchObject({ state: "firing", silence: { reason: "deploying by hand" } });
    await run(p, [60, 61, 62]);
    expect(statuses()).toEqual(["firing"]);
    expect((await p.alerts.list())[0]!.silence).toBeNull();
  });

  it("a silenced alert that resolves before anyone was told stays quiet", async () => {
    await rule({ forSeconds: 0 });
    await receiver();
    const p = parts();
    await p.alerts.createSilence({ ruleName: "api-down", minutes: 10, reason: "known" }, "test");
    ready(false);
    await run(p, [0]);
    ready(true);
    await run(p, [1, 700]);
    expect(sent).toEqual([]);
  });

  it("a restarted Gantry resumes the stored states: no second firing, and what was not yet delivered is sent once", async () => {
    await rule({ forSeconds: 0 });
    await receiver();
    await receiver("slack");
    unreachable.add("slack"); // the webhook takes it; Slack is unreachable before the "crash"
    ready(false);
    await run(parts(), [0, 1]);
    unreachable.clear();
    expect(sent.map((s) => s.url)).toEqual(["https://hooks.example.com/webhook/T0/SECRET"]);
    const fresh = parts(); // a new evaluator and notifier on the same database
    await run(fresh, [10, 11, 20]);
    expect(sent.map((s) => [s.url, (s.body as { status?: string }).status ?? (s.body as { text: string }).text.slice(0, 9)])).toEqual([
      ["https://hooks.example.com/webhook/T0/SECRET", "firing"],
      ["https://hooks.example.com/slack/T0/SECRET", "🔴 FIRING"],
    ]);
    expect(sent[0]!.key).toBe(sent[1]!.key);
  });

  it("keeps a Slack URL sealed at rest and shows only its origin", async () => {
    await receiver("slack");
    const [row] = await store.prisma.alertReceiver.findMany();
    expect(row!.url).not.toContain("SECRET");
    expect((await parts().alerts.receivers())[0]!.url).toBe("https://hooks.example.com/…");
  });
});
