import { describe, expect, it } from "vitest";
import { fixtureTemplate, useTestGantry } from "./testing/gantry";
import { startPacedLoad } from "./testing/load";
import { waitFor } from "./testing/wait";

describe("autoscaling", () => {
  // A sync a second and a scale-down window of seconds, so a whole up-and-down fits in a test.
  const gantry = useTestGantry({ autoscaleSyncMs: 1000 });
  const readyCount = async (serviceId: string) => (await gantry.api.instances.list.query({ serviceId })).filter((i) => i.ready).length;
  /** Waits until the service wants `replicas` (waitFor goes on while it gets undefined). */
  const wants = (serviceId: string, replicas: number, what: string, ms?: number) =>
    waitFor(async () => ((await gantry.api.services.get.query({ id: serviceId })).replicas === replicas ? true : undefined), what, ms);
  const autoscaledEvents = async (serviceId: string) => (await gantry.api.events.list.query({ serviceId, kind: "service.autoscaled" })).reverse().map((e) => e.message);

  it("a load step of 20 → 200 req/s through the service listener scales 1 → 4, and back to 1 after the scale-down window, each step an event", async () => {
    const { api } = gantry;
    const service = await api.services.create.mutate({
      name: "stepped",
      replicas: 1,
      template: fixtureTemplate(),
      autoscale: { maxReplicas: 6, targets: { requestsPerSecond: 50 }, behavior: { scaleDown: { stabilizationWindowSeconds: 3 } } },
    });
    await waitFor(async () => ((await readyCount(service.id)) === 1 ? true : undefined), "the first instance");
    const load = startPacedLoad(`http://127.0.0.1:${service.listenPort}/`, 20);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2500)); // 20 req/s: 0.4 of the target, and min replicas is 1
      expect((await api.services.get.query({ id: service.id })).replicas).toBe(1);

      load.setRate(200);
      await waitFor(async () => ((await readyCount(service.id)) === 4 ? true : undefined), "4 ready instances at 200 req/s", 20_000);
      // The first sync after the step may average both rates (1 → 3), the next sees all of it (→ 4).
      const ups = await autoscaledEvents(service.id);
      expect(ups[0]).toMatch(/^autoscaled stepped 1 → [234]: \d+ req\/s over 1 instance, target 50$/);
      // → 4 needs more than 150 req/s (ceil(rate / 50)); a loaded machine paces the 200 a little short.
      const [, rate] = /→ 4: (\d+(?:\.\d)?) req\/s over [1-3] instances?, target 50$/.exec(ups.at(-1) ?? "") ?? [];
      expect(Number(rate)).toBeGreaterThan(150);
      expect(Number(rate)).toBeLessThan(230);

      load.setRate(20);
      await wants(service.id, 1, "back to 1 at 20 req/s", 20_000);
      expect((await autoscaledEvents(service.id)).at(-1)).toMatch(/→ 1: \d+(\.\d)? req\/s over \d instances, target 50$/);
      const status = await api.autoscaling.status.query({ serviceId: service.id });
      // The chart's history holds the climb and the wait: 4 wanted while the rate was already low.
      expect(Math.max(...status.samples.map((s) => s.wanted))).toBe(4);
      expect(status.samples.some((s) => s.wanted === 4 && (s.metrics.requestsPerSecond ?? 99) < 50 * 0.9)).toBe(true);
      const failed = (await load.stop()).failed;
      expect(failed).toBe(0);
    } finally {
      await load.stop();
    }
  });

  it("a hand scale pauses autoscaling, in the log, until an operator resumes it", async () => {
    const { api } = gantry;
    const service = await api.services.create.mutate({ name: "handheld", replicas: 0, template: fixtureTemplate(), autoscale: { minReplicas: 1, maxReplicas: 3, targets: { cpuPercent: 80 } } });
    await wants(service.id, 1, "min replicas brought in by the autoscaler");
    await api.services.scale.mutate({ id: service.id, replicas: 3 });
    const paused = await api.autoscaling.status.query({ serviceId: service.id });
    expect(paused.pausedAt).not.toBeNull();
    const [pause] = await api.events.list.query({ serviceId: service.id, kind: "service.autoscaling-paused" });
    expect(pause?.message).toBe("paused autoscaling of handheld: scaled by hand from 1 to 3; resume it to let the autoscaler decide again");
    await waitFor(async () => ((await api.autoscaling.status.query({ serviceId: service.id })).lastDecision === "paused: scaled by hand" ? true : undefined), "a paused sync");
    expect((await api.services.get.query({ id: service.id })).replicas).toBe(3);

    await api.autoscaling.resume.mutate({ serviceId: service.id });
    expect((await api.autoscaling.status.query({ serviceId: service.id })).pausedAt).toBeNull();
    await expect(api.autoscaling.resume.mutate({ serviceId: (await api.services.create.mutate({ name: "manual", replicas: 0, template: fixtureTemplate() })).id })).rejects.toThrow(
      "manual is not autoscaled: set min/max replicas and a target first",
    );
  });
});
