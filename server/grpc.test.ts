import path from "node:path";
import { credentials, makeGenericClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import Consul from "consul";
import grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { decodeResponse, encodeResponse, type ServingStatus } from "./engine/health/probes/grpc-health";
import { EchoClient } from "./testing/fixtures/grpc-echo.mjs";
import { TEST_TOKEN, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";

const grpcFixture = path.join(import.meta.dirname, "testing/fixtures/grpc-health-server.mjs");

/** The fixture's own control call: `/gantry.fixture.Control/SetStatus`, a HealthCheckResponse each way. */
const controlDefinition = {
  setStatus: {
    path: "/gantry.fixture.Control/SetStatus",
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeResponse,
    requestDeserialize: decodeResponse,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
  },
} satisfies ServiceDefinition;
const ControlClient = makeGenericClientConstructor(controlDefinition, "gantry.fixture.Control");

async function setFixtureStatus(port: number, status: ServingStatus): Promise<void> {
  const client = new ControlClient(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
    setStatus(request: { status: ServingStatus }, options: { deadline: number }, callback: (err: Error | null) => void): void;
    close(): void;
  };
  try {
    await new Promise<void>((resolve, reject) => client.setStatus({ status }, { deadline: Date.now() + 2000 }, (err) => (err ? reject(err) : resolve())));
  } finally {
    client.close();
  }
}

type HealthEntry = { Service: { ID: string; Port: number } };

describe("a real gRPC service", () => {
  const server = useTestGantry();
  const consul = () => new Consul({ host: "127.0.0.1", port: server.gantry.port, defaults: { token: TEST_TOKEN } });
  const passingIds = async (name: string) => ((await consul().health.service({ service: name, passing: true })) as HealthEntry[]).map((e) => e.Service.ID).sort();

  it("gates readiness on SERVING: not ready before, out of rotation on NOT_SERVING, with the status in the events", async () => {
    const service = await server.api.services.create.mutate({
      name: "greeter",
      replicas: 2,
      template: {
        command: process.execPath,
        args: [grpcFixture],
        env: { FIXTURE_GRPC_STATUS: "NOT_SERVING" },
        probes: { readiness: { kind: "grpc", periodSeconds: 0.2, timeoutSeconds: 1, failureThreshold: 1 } },
      },
    });
    const list = () => server.api.instances.list.query({ serviceId: service.id });

    // Running and answering, but NOT_SERVING: both held out of rotation, the probe saying why.
    const starting = await waitFor(async () => {
      const instances = await list();
      // (The first probes may find the port not yet listening: UNAVAILABLE.)
      return instances.length === 2 && instances.every((i) => i.probes[0]?.last?.message.endsWith("NOT_SERVING")) ? instances : undefined;
    }, "2 instances answering NOT_SERVING", 15_000);
    for (const instance of starting) {
      expect(instance).toMatchObject({ ready: false, probes: [{ type: "readiness", kind: "grpc", state: "failing", last: { ok: false, message: `Health/Check on port ${instance.port}: NOT_SERVING` } }] });
    }
    expect(await passingIds("greeter")).toEqual([]);

    for (const instance of starting) await setFixtureStatus(instance.port!, "SERVING");
    const ready = await waitFor(async () => {
      const instances = await list();
      return instances.every((i) => i.ready) ? instances : undefined;
    }, "both ready once SERVING", 5000);
    expect(ready.map((i) => i.probes[0]?.last?.message)).toEqual(ready.map((i) => `Health/Check on port ${i.port}: SERVING`));
    await waitFor(async () => ((await passingIds("greeter")).length === 2 ? true : undefined), "both passing in the Consul catalog");
    expect(await passingIds("greeter")).toEqual(ready.map((i) => i.id).sort());

    // One flips to NOT_SERVING: out of rotation within a period or so, the other stays.
    const [flipped, steady] = ready as [(typeof ready)[0], (typeof ready)[0]];
    await setFixtureStatus(flipped.port!, "NOT_SERVING");
    await waitFor(async () => ((await passingIds("greeter")).join() === steady.id ? true : undefined), "the flipped one out of the catalog", 3000);
    const after = await list();
    expect(after.find((i) => i.id === flipped.id)).toMatchObject({ phase: "Running", ready: false, restarts: 0 });
    expect(after.find((i) => i.id === steady.id)).toMatchObject({ ready: true });
    expect((await server.api.services.endpoints.query({ id: service.id })).map((e) => e.id)).toEqual([steady.id]);

    const events = await server.api.events.list.query({ serviceId: service.id });
    const unready = events.filter((e) => e.kind === "instance.unready" && e.message.startsWith(flipped.id));
    expect(unready.at(-1)?.message).toBe(`${flipped.id} is not ready: readiness probe failed: Health/Check on port ${flipped.port}: NOT_SERVING`);
    expect(events.filter((e) => e.kind === "instance.ready").map((e) => e.message)).toEqual(
      expect.arrayContaining(ready.map((i) => `${i.id} is ready: readiness probe passed: Health/Check on port ${i.port}: SERVING`)),
    );

    await setFixtureStatus(flipped.port!, "SERVING");
    await waitFor(async () => ((await passingIds("greeter")).length === 2 ? true : undefined), "back in the catalog", 3000);
    await server.api.services.delete.mutate({ id: service.id });
  });

  it("balances 3,000 calls of one channel over 3 instances, retries a failing one's calls, and gives callers NAME_ADDR", { timeout: 60_000 }, async () => {
    const service = await server.api.services.create.mutate({
      name: "echo",
      replicas: 3,
      traffic: { protocol: "grpc" },
      template: { command: process.execPath, args: [grpcFixture], probes: { readiness: { kind: "grpc", periodSeconds: 0.2, timeoutSeconds: 1, failureThreshold: 1 } } },
    });
    const instances = await waitFor(async () => {
      const endpoints = await server.api.services.endpoints.query({ id: service.id });
      return endpoints.length === 3 ? endpoints : undefined;
    }, "3 instances in rotation", 20_000);
    const echo = new EchoClient(`127.0.0.1:${service.listenPort}`, grpc.credentials.createInsecure());
    type Answer = { value?: string; code?: number };
    const call = (name: "who" | "fail", request: string, client = echo) =>
      new Promise<Answer>((resolve) => client[name](request, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, value: string) => resolve(err ? { code: err.code } : { value })));
    const calls = async (n: number) => {
      const answers: Answer[] = [];
      for (let batch = 0; batch < n / 100; batch++) answers.push(...(await Promise.all(Array.from({ length: 100 }, () => call("who", "?")))));
      return answers;
    };
    try {
      const answers = await calls(3000);
      expect(answers.filter((a) => a.code !== undefined)).toEqual([]);
      for (const instance of instances) {
        const share = answers.filter((a) => a.value === instance.id).length;
        expect(share, `calls answered by ${instance.id}`).toBeGreaterThanOrEqual(900);
        expect(share, `calls answered by ${instance.id}`).toBeLessThanOrEqual(1100);
      }

      // One instance answers UNAVAILABLE to everything (its health still SERVING): its calls are retried on the others.
      const failing = instances[0]!;
      const direct = new EchoClient(`127.0.0.1:${failing.port}`, grpc.credentials.createInsecure());
      expect(await call("fail", String(grpc.status.UNAVAILABLE), direct)).toEqual({ value: failing.id });
      direct.close();
      const during = await calls(300);
      expect(during.filter((a) => a.code !== undefined)).toEqual([]);
      expect(new Set(during.map((a) => a.value))).toEqual(new Set(instances.slice(1).map((i) => i.id)));

      // A caller gets ECHO_ADDR (host:port: what a gRPC client dials), not a URL.
      const caller = await server.api.services.create.mutate({ name: "echo-caller", replicas: 0, template: { command: process.execPath, args: ["-e", ""] } });
      const edge = await server.api.dependencies.create.mutate({ fromId: caller.id, toId: service.id });
      expect((await server.api.services.get.query({ id: caller.id })).template.links).toEqual({ ECHO_ADDR: `127.0.0.1:${edge.port}` });
    } finally {
      echo.close();
    }
  });
});
