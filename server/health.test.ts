import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ProbeInput } from "./contracts/probe";
import type { InstanceTemplateInput } from "./contracts/service";
import { fixtureTemplate, tempDir, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";
import { pidOf } from "./testing/processes";

const withProbes = (probes: Record<string, ProbeInput>, extra: Partial<InstanceTemplateInput> = {}) => fixtureTemplate({}, { probes, ...extra });

describe("health probes on real processes", () => {
  const server = useTestGantry();

  const only = async (serviceId: string) => (await server.api.instances.list.query({ serviceId }))[0];
  const endpointIds = async (serviceId: string) => (await server.api.services.endpoints.query({ id: serviceId })).map((e) => e.id);

  it("takes an instance that turns unready out of the endpoints, and back when it recovers", async () => {
    const service = await server.api.services.create.mutate({
      name: "toggler",
      replicas: 2,
      template: withProbes({ readiness: { kind: "http", path: "/ready", periodSeconds: 0.2, failureThreshold: 1 } }),
    });
    const instances = await waitFor(async () => {
      const list = await server.api.instances.list.query({ serviceId: service.id });
      return list.length === 2 && list.every((i) => i.ready) ? list : undefined;
    }, "2 ready");
    const [flaky, steady] = instances as [(typeof instances)[0], (typeof instances)[0]];
    expect((await endpointIds(service.id)).sort()).toEqual([flaky.id, steady.id].sort());

    await fetch(`http://127.0.0.1:${flaky.port}/toggle-ready`);
    await waitFor(async () => ((await endpointIds(service.id)).join() === steady.id ? true : undefined), "flaky out of endpoints", 3000);
    const unready = await server.api.instances.list.query({ serviceId: service.id });
    expect(unready.find((i) => i.id === flaky.id)).toMatchObject({ phase: "Running", ready: false, restarts: 0 });
    expect(unready.find((i) => i.id === flaky.id)?.probes[0]).toMatchObject({ type: "readiness", state: "failing", last: { ok: false, message: expect.stringMatching(/^HTTP 503: /) } });

    await fetch(`http://127.0.0.1:${flaky.port}/toggle-ready`);
    await waitFor(async () => ((await endpointIds(service.id)).length === 2 ? true : undefined), "flaky back in endpoints", 3000);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("restarts a hung instance by liveness within period × failureThreshold + timeout", async () => {
    const liveness: ProbeInput = { kind: "http", path: "/", periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 };
    const service = await server.api.services.create.mutate({ name: "hangs", template: withProbes({ liveness }, { gracePeriodSeconds: 1 }) });
    const instance = await waitFor(async () => ((await only(service.id))?.ready ? await only(service.id) : undefined), "ready");
    await waitFor(async () => ((await only(service.id))?.probes.find((p) => p.type === "liveness")?.state === "passing" ? true : undefined), "liveness passing");

    const hungAt = Date.now();
    void fetch(`http://127.0.0.1:${instance!.port}/hang`).catch(() => {});
    const events = await waitFor(async () => {
      const list = await server.api.events.list.query({ serviceId: service.id });
      return list.some((e) => e.kind === "instance.unhealthy") ? list : undefined;
    }, "the liveness restart", 10_000);
    const detectedMs = Date.parse(events.find((e) => e.kind === "instance.unhealthy")!.at) - hungAt;
    // The first failing probe starts within a period of the hang and fails a timeout later (≤ 2 s);
    // with timeout = period the next turn can fall while it still runs and is skipped (a probe never
    // overlaps itself), so the second failure lands by 4 s. Allow 1 s for scheduling on a busy machine.
    expect(detectedMs).toBeLessThan(5000);
    expect(events.find((e) => e.kind === "instance.unhealthy")!.message).toMatch(/liveness probe failed: GET \/ on port \d+: no answer within 1000 ms/);
    // The hung process ignores SIGTERM (its event loop is stuck): SIGKILL after the grace period, then a restart.
    const restarted = await waitFor(async () => {
      const current = await only(service.id);
      return current && current.restarts === 1 && current.ready && pidOf(current) !== pidOf(instance!) ? current : undefined;
    }, "restarted and ready", 10_000);
    expect(restarted.id).toBe(instance!.id);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("runs exec probes in the instance's directory: pass, fail, and timeout", async () => {
    const dir = tempDir("exec-probe");
    const exec = (command: string[], timeoutSeconds = 1): ProbeInput => ({ kind: "exec", command, periodSeconds: 0.2, timeoutSeconds, failureThreshold: 1 });
    const service = await server.api.services.create.mutate({
      name: "execs",
      template: withProbes({ readiness: exec(["test", "-f", "ready.flag"]) }, { cwd: dir }),
    });
    const failing = await waitFor(async () => {
      const instance = await only(service.id);
      return instance?.probes[0]?.state === "failing" ? instance : undefined;
    }, "exec failing");
    expect(failing).toMatchObject({ ready: false, probes: [{ kind: "exec", last: { ok: false, message: "exited 1" } }] });

    fs.writeFileSync(path.join(dir, "ready.flag"), "");
    await waitFor(async () => ((await only(service.id))?.ready ? true : undefined), "exec passing");

    const current = await server.api.services.get.query({ id: service.id });
    await server.api.services.update.mutate({ id: service.id, version: current.version, patch: { template: { probes: { readiness: exec(["sleep", "5"], 0.3) } } } });
    const timedOut = await waitFor(async () => {
      const list = await server.api.instances.list.query({ serviceId: service.id });
      const fresh = list.find((i) => i.revision === 2 && i.probes[0]?.last);
      return fresh && !fresh.ready ? fresh : undefined;
    }, "exec timing out", 10_000);
    expect(timedOut.probes[0]?.last?.message).toBe("sleep did not finish within 300 ms; killed");
    await server.api.services.delete.mutate({ id: service.id });
  });
});
