import { beforeAll, describe, expect, it } from "vitest";
import { testPortRange, toggleableService, tempDir } from "./testing/gantry";
import { useGantryProcesses, type GantryProcess } from "./testing/gantry-process";
import { waitFor } from "./testing/wait";
import { webhookReceiver } from "./testing/webhook-receiver";
import type { ApiClient } from "./testing/gantry";

/** A service of one fixture instance and, once it is ready (a slow start must not fire it), a rule that fires 1 s after it is down. */
async function watchedService(api: ApiClient, name: string) {
  const { instance } = await toggleableService(api, name);
  await api.alerts.createRule.mutate({ kind: "service-down", name: `${name}-down`, service: name, severity: "critical", forSeconds: 1 });
  /** Flips the instance's readiness: down, then up again. */
  const toggle = () => fetch(`http://127.0.0.1:${instance.port}/toggle-ready`).then((res) => res.body?.cancel());
  return { toggle };
}

// One Gantry process for the file (alerts evaluated every 200 ms): the second test kills it and starts another on its data dir.
describe("alert notifications from a Gantry process", () => {
  const gantries = useGantryProcesses();
  const dataDir = tempDir("alerts");
  const port = testPortRange().from + 402;
  const env = { GANTRY_ALERT_INTERVAL: "200ms" };
  let first: GantryProcess;
  beforeAll(async () => {
    first = await gantries.start(dataDir, port, env);
  }, 60_000);

  it("a real receiver hears firing, then resolved, for a service taken down and brought back; one that was down hears it once it is back", async () => {
    const { api } = first;
    const healthy = await webhookReceiver();
    const flaky = await webhookReceiver();
    await flaky.close(); // not listening: connections are refused
    await api.alerts.createReceiver.mutate({ name: "healthy", kind: "webhook", url: healthy.url });
    await api.alerts.createReceiver.mutate({ name: "flaky", kind: "webhook", url: flaky.url });
    const { toggle } = await watchedService(api, "checkout");

    await toggle();
    const [firing] = await waitFor(() => (healthy.accepted("firing").length > 0 ? healthy.accepted("firing") : undefined), "firing at the receiver");
    expect(firing!.body.alert?.labels).toMatchObject({ alertname: "checkout-down", service: "checkout", severity: "critical" });
    expect((await api.alerts.list.query()).find((a) => a.ruleName === "checkout-down")).toMatchObject({ state: "firing", serviceName: "checkout" });
    const waiting = await waitFor(async () => (await api.alerts.receivers.query()).find((r) => r.name === "flaky" && r.lastError), "the flaky receiver's failure noted");
    expect(waiting.lastError).toMatch(/fetch failed|ECONNREFUSED/);

    await toggle();
    await waitFor(() => (healthy.accepted("resolved").length > 0 ? true : undefined), "resolved at the receiver");
    await flaky.listen();
    await waitFor(() => (flaky.accepted("resolved").length > 0 ? true : undefined), "the flaky receiver, back, hears everything", 15_000);
    expect(flaky.accepted("firing").map((d) => d.key)).toEqual([firing!.key]);
    expect(healthy.deliveries.map((d) => d.body.status)).toEqual(["firing", "resolved"]);
    await healthy.close();
    await flaky.close();
    for (const receiver of await api.alerts.receivers.query()) await api.alerts.deleteReceiver.mutate({ id: receiver.id });
  }, 30_000);

  it("a Gantry killed and started again neither repeats what was delivered nor loses what was not", async () => {
    const steady = await webhookReceiver();
    const broken = await webhookReceiver();
    broken.answer(500);
    const { api } = first;
    await api.alerts.createReceiver.mutate({ name: "steady", kind: "webhook", url: steady.url });
    await api.alerts.createReceiver.mutate({ name: "broken", kind: "slack", url: broken.url });
    const { toggle } = await watchedService(api, "ledger");

    await toggle();
    await waitFor(() => (broken.deliveries.length > 0 && steady.accepted("firing").length > 0 ? true : undefined), "firing taken by one receiver, refused by the other");
    // Delivered and recorded as delivered: a Gantry killed before recording it would rightly send it again.
    await waitFor(async () => ((await api.alerts.receivers.query()).find((r) => r.name === "steady")?.pending === 0 ? true : undefined), "the delivery recorded");
    first.child.kill("SIGKILL");
    await first.exited;

    broken.answer(200);
    await gantries.start(dataDir, port, env);
    await waitFor(() => (broken.deliveries.some((d) => d.status === 200) ? true : undefined), "the refused notification delivered after the restart", 15_000);
    await toggle(); // the instance outlived Gantry (adopted): bring it back
    await waitFor(() => (steady.accepted("resolved").length > 0 && broken.deliveries.filter((d) => d.status === 200).length === 2 ? true : undefined), "resolved at both", 15_000);

    expect(steady.deliveries.map((d) => d.body.status)).toEqual(["firing", "resolved"]);
    const taken = broken.deliveries.filter((d) => d.status === 200);
    expect(new Set(broken.deliveries.slice(0, -1).map((d) => d.key)).size).toBe(1); // every try of the firing carried one key
    expect(taken.map((d) => d.key)).toEqual([steady.deliveries[0]!.key, steady.deliveries[1]!.key]);
    await steady.close();
    await broken.close();
  }, 90_000);
});
