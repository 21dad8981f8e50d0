import { describe, expect, it } from "vitest";
import { autoscaleSettings, type AutoscaleMetric, type AutoscaleSettingsInput } from "../../contracts/autoscale";
import { ManualClock } from "../../lib/manual-clock";
import { emptyMemory, explain, memoryAfterRestart, propose, recordScale, sync, type AutoscalerMemory, type Decision } from "./hpa";

const settings = (input: Partial<AutoscaleSettingsInput> = {}) => autoscaleSettings.parse({ maxReplicas: 20, targets: { requestsPerSecond: 80 }, ...input });

/**
 * An autoscaler driven on a manual clock: each `at` sync reads a total request rate (spread over
 * the ready instances) and carries out what it decides, as the loop does, all instances ready at once.
 */
function driver(config = settings(), start = { replicas: 1, memory: emptyMemory() }) {
  const clock = new ManualClock();
  let memory: AutoscalerMemory = start.memory;
  let replicas = start.replicas;
  return {
    clock,
    get replicas() {
      return replicas;
    },
    /** One sync with this much traffic to the whole service. */
    sync(totalRps: number, extra: Partial<Record<AutoscaleMetric, number>> = {}): Decision {
      const result = sync(config, memory, { now: clock.now(), current: replicas, ready: replicas, metrics: { requestsPerSecond: totalRps / replicas, ...extra } });
      memory = recordScale(result.memory, clock.now(), replicas, result.decision.desired);
      replicas = result.decision.desired;
      return result.decision;
    },
  };
}

describe("the HPA formula", () => {
  it("wants ceil(ready × value / target) instances", () => {
    expect(propose("requestsPerSecond", 400 / 3, 80, { current: 3, ready: 3 }, 0.1).replicas).toBe(5);
    expect(propose("requestsPerSecond", 412 / 3, 80, { current: 3, ready: 3 }, 0.1).replicas).toBe(6);
    expect(propose("cpuPercent", 30, 60, { current: 4, ready: 4 }, 0.1).replicas).toBe(2);
    // Fewer ready than wanted: the formula counts the ready ones.
    expect(propose("p95LatencyMs", 400, 200, { current: 5, ready: 2 }, 0.1).replicas).toBe(4);
  });

  it("keeps the count while the metric is within the tolerance of its target", () => {
    expect(propose("requestsPerSecond", 87, 80, { current: 3, ready: 2 }, 0.1).replicas).toBe(3); // ratio 1.0875
    expect(propose("requestsPerSecond", 73, 80, { current: 3, ready: 3 }, 0.1).replicas).toBe(3); // 0.9125
    expect(propose("requestsPerSecond", 90, 80, { current: 3, ready: 3 }, 0.1).replicas).toBe(4); // 1.125
    expect(propose("requestsPerSecond", 90, 80, { current: 3, ready: 3 }, 0.2).replicas).toBe(3);
  });

  it("takes the largest count any metric wants, and says which metric it was", () => {
    const config = settings({ targets: { requestsPerSecond: 80, cpuPercent: 50, p95LatencyMs: 200 } });
    const { decision } = sync(config, emptyMemory(), { now: 0, current: 2, ready: 2, metrics: { requestsPerSecond: 80, cpuPercent: 100, p95LatencyMs: 250 } });
    expect(decision.proposals.map((p) => [p.metric, p.replicas])).toEqual([["requestsPerSecond", 2], ["p95LatencyMs", 3], ["cpuPercent", 4]]);
    expect(decision.desired).toBe(4);
    expect(explain(decision)).toBe("2 → 4: CPU 100 % per instance over 2 instances, target 50 %");
  });

  it("keeps the count when nothing can be read: no ready instance, or no reading of a targeted metric", () => {
    const config = settings({ targets: { p95LatencyMs: 200 } });
    expect(sync(config, emptyMemory(), { now: 0, current: 3, ready: 0, metrics: { p95LatencyMs: 900 } }).decision).toMatchObject({ desired: 3, recommended: null });
    const idle = sync(config, emptyMemory(), { now: 0, current: 3, ready: 3, metrics: {} }).decision;
    expect(idle).toMatchObject({ desired: 3, recommended: null });
    expect(explain(idle)).toBe("3 → 3: no metrics to read");
  });

  it("brings a count outside min/max inside first, without reading metrics", () => {
    const config = settings({ minReplicas: 2, maxReplicas: 5 });
    expect(sync(config, emptyMemory(), { now: 0, current: 9, ready: 9, metrics: { requestsPerSecond: 1000 } }).decision).toMatchObject({ desired: 5, limitedBy: "max" });
    expect(sync(config, emptyMemory(), { now: 0, current: 1, ready: 1, metrics: { requestsPerSecond: 0 } }).decision).toMatchObject({ desired: 2, limitedBy: "min" });
    const capped = sync(config, emptyMemory(), { now: 0, current: 4, ready: 4, metrics: { requestsPerSecond: 400 } }).decision;
    expect(capped).toMatchObject({ recommended: 20, desired: 5, limitedBy: "max" });
    expect(explain(capped)).toBe("4 → 5: 1600 req/s over 4 instances, target 80 (held at max replicas)");
  });
});

describe("stabilization windows", () => {
  it("scales down only once every recommendation of the scale-down window was lower", async () => {
    const hpa = driver(settings({ behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } }), { replicas: 5, memory: emptyMemory() });
    expect(hpa.sync(400).desired).toBe(5);
    await hpa.clock.advance(1000);
    const held = hpa.sync(80);
    expect(held).toMatchObject({ recommended: 1, desired: 5, limitedBy: "stabilization" });
    expect(explain(held)).toBe("5 → 5: 80 req/s over 5 instances, target 80 (held by the stabilization window)");
    await hpa.clock.advance(8000);
    expect(hpa.sync(80).desired).toBe(5); // 9 s after the recommendation of 5
    await hpa.clock.advance(1000);
    expect(hpa.sync(80).desired).toBe(1); // 10 s: it left the window
  });

  it("goes down to the highest recommendation still in the window, not straight to the newest", async () => {
    const hpa = driver(settings({ behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } }), { replicas: 6, memory: emptyMemory() });
    hpa.sync(480); // 6
    await hpa.clock.advance(5000);
    hpa.sync(240); // 3
    await hpa.clock.advance(5000);
    expect(hpa.sync(80).desired).toBe(3); // the 6 left the window, the 3 has not
  });

  it("scales up at once by default, and after a scale-up window only to what every recommendation in it wanted", async () => {
    expect(driver().sync(320).desired).toBe(4);
    const hpa = driver(settings({ behavior: { scaleUp: { stabilizationWindowSeconds: 3 } } }));
    expect(hpa.sync(80).desired).toBe(1);
    await hpa.clock.advance(1000);
    expect(hpa.sync(320)).toMatchObject({ recommended: 4, desired: 1, limitedBy: "stabilization" });
    await hpa.clock.advance(1000);
    expect(hpa.sync(320).desired).toBe(1); // the 1 of 2 s ago is in the window
    await hpa.clock.advance(1000);
    expect(hpa.sync(320).desired).toBe(4); // 3 s: at the window's edge it is out, as in Kubernetes
  });

  it("after a restart, waits out the scale-down window before shrinking", async () => {
    const config = settings({ behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } });
    const clock = new ManualClock();
    let memory = memoryAfterRestart(clock.now(), 4);
    const quiet = () => sync(config, memory, { now: clock.now(), current: 4, ready: 4, metrics: { requestsPerSecond: 10 } });
    await clock.advance(29_000);
    let decision;
    ({ memory, decision } = quiet());
    expect(decision.desired).toBe(4);
    await clock.advance(1000);
    expect(quiet().decision.desired).toBe(1);
    // Without that memory it would have shrunk at the first sync.
    expect(sync(config, emptyMemory(), { now: clock.now(), current: 4, ready: 4, metrics: { requestsPerSecond: 10 } }).decision.desired).toBe(1);
  });
});

describe("rate policies", () => {
  it("by default adds the larger of +100 % and +4 per 15 s, counted from the period's start", async () => {
    const hpa = driver();
    expect(hpa.sync(1600)).toMatchObject({ recommended: 20, desired: 5, limitedBy: "rate" });
    await hpa.clock.advance(5000);
    expect(hpa.sync(1600).desired).toBe(5); // the period that started at 1 already added 4
    await hpa.clock.advance(10_000);
    expect(hpa.sync(1600).desired).toBe(10); // a new period from 5: +100 % beats +4
    await hpa.clock.advance(15_000);
    expect(hpa.sync(1600).desired).toBe(20);
  });

  it("with selectPolicy Min takes the policy that allows the smallest change", () => {
    const hpa = driver(settings({ behavior: { scaleUp: { selectPolicy: "Min" } } }));
    expect(hpa.sync(1600).desired).toBe(2); // +100 % of 1 is 2, +4 would be 5
  });

  it("limits scale-down by its policies: −50 % per 10 s takes 8 to 4 to 2", async () => {
    const config = settings({ behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 50, periodSeconds: 10 }] } } });
    const hpa = driver(config, { replicas: 8, memory: emptyMemory() });
    expect(hpa.sync(80)).toMatchObject({ desired: 4, limitedBy: "rate" });
    await hpa.clock.advance(9000);
    expect(hpa.sync(80).desired).toBe(4);
    await hpa.clock.advance(1000);
    expect(hpa.sync(80).desired).toBe(2);
  });

  it("Pods policies count instances: −1 per 5 s, and with Min over two policies the gentler wins", async () => {
    const config = settings({
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Min",
          policies: [
            { type: "Pods", value: 1, periodSeconds: 5 },
            { type: "Percent", value: 100, periodSeconds: 5 },
          ],
        },
      },
    });
    const hpa = driver(config, { replicas: 4, memory: emptyMemory() });
    expect(hpa.sync(0).desired).toBe(3);
    await hpa.clock.advance(5000);
    expect(hpa.sync(0).desired).toBe(2);
  });

  it("Disabled never scales in that direction", () => {
    const hpa = driver(settings({ behavior: { scaleDown: { selectPolicy: "Disabled", stabilizationWindowSeconds: 0 } } }), { replicas: 6, memory: emptyMemory() });
    expect(hpa.sync(0)).toMatchObject({ recommended: 0, desired: 6, limitedBy: "rate" });
    expect(driver(settings({ behavior: { scaleUp: { selectPolicy: "Disabled" } } })).sync(800).desired).toBe(1);
  });
});

describe("settings", () => {
  it("refuses settings that could never work, with the reason", () => {
    const problem = (input: unknown) => autoscaleSettings.safeParse(input).error?.issues[0]?.message;
    expect(problem({ maxReplicas: 3, targets: {} })).toBe("name at least one target: requests/s, p95 latency or CPU %");
    expect(problem({ minReplicas: 4, maxReplicas: 3, targets: { cpuPercent: 50 } })).toBe("min replicas can't be more than max replicas");
    expect(problem({ maxReplicas: 3, targets: { cpuPercent: 0 } })).toBe("the CPU target must be more than 0");
    expect(problem({ maxReplicas: 3, targets: { cpuPercent: 50 }, behavior: { scaleUp: { policies: [] } } })).toBe("at least one policy");
  });
});
