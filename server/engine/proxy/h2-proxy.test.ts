import http2 from "node:http2";
import net from "node:net";
import grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { EchoClient, echoHandlers, echoService } from "../../testing/fixtures/grpc-echo.mjs";
import { cluster, proxyFor, rawConversation } from "./testing/proxy-harness";
import type { EndpointConfig, TrafficCounters } from "./types";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A real gRPC server (grpc-js) serving the Echo service as instance `id`. */
async function grpcInstance(id: string) {
  const server = new grpc.Server();
  const echo = echoHandlers(id);
  server.addService(echoService, echo.handlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const stop = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  cleanup.push(() => server.forceShutdown());
  return { id, port, state: echo.state, stop, endpoint: { id, host: "127.0.0.1", port, revision: 1 } satisfies EndpointConfig };
}

type Echo = InstanceType<typeof EchoClient>;
function client(port: number): Echo {
  const echo = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  cleanup.push(() => echo.close());
  return echo;
}

const unary = (echo: Echo, name: "who" | "sleep" | "fail", request: string, deadlineMs = 5000) =>
  new Promise<{ value?: string; error?: grpc.ServiceError }>((resolve) =>
    echo[name](request, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, value: string) => resolve(error ? { error } : { value })),
  );

function stream(echo: Echo, n: number): Promise<{ messages: string[]; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const messages: string[] = [];
    const call = echo.count(String(n));
    call.on("data", (m: string) => messages.push(m));
    call.on("error", (error: grpc.ServiceError) => resolve({ messages, error }));
    call.on("end", () => resolve({ messages }));
  });
}

const requests = (c: TrafficCounters) => c.requests;

async function grpcProxy(instances: Array<{ endpoint: EndpointConfig }>, settings = {}) {
  const harness = await proxyFor([cluster("api", instances.map((i) => i.endpoint), { protocol: "grpc", ...settings })]);
  cleanup.push(() => harness.proxy.close());
  return harness;
}

describe("gRPC through the data plane", () => {
  it("balances each call of one channel over every instance, unary and server-streaming", async () => {
    const instances = await Promise.all(["a", "b", "c"].map(grpcInstance));
    const { proxy, port } = await grpcProxy(instances);
    const echo = client(port("api"));

    const answers = await Promise.all(Array.from({ length: 300 }, () => unary(echo, "who", "?")));
    const perInstance = Object.fromEntries(instances.map((i) => [i.id, answers.filter((a) => a.value === i.id).length]));
    expect(perInstance).toEqual({ a: 100, b: 100, c: 100 });

    const streamed = await stream(echo, 2000);
    expect(streamed.error).toBeUndefined();
    expect(streamed.messages).toHaveLength(2000);
    expect(streamed.messages[1999]).toMatch(/^[abc]:1999$/);

    const stats = proxy.stats();
    expect(requests(stats.services[0]!.counters)).toMatchObject({ "2xx": 301, "5xx": 0 });
    expect(stats.listeners[0]!.counters.inFlight).toBe(0);
  });

  it("retries a call an instance answers UNAVAILABLE on another, and counts errors by grpc-status", async () => {
    const instances = await Promise.all(["a", "b", "c"].map(grpcInstance));
    const { proxy, port } = await grpcProxy(instances);
    const echo = client(port("api"));
    instances[0]!.state.failing = grpc.status.UNAVAILABLE;

    const answers = await Promise.all(Array.from({ length: 60 }, () => unary(echo, "who", "?")));
    expect(answers.filter((a) => a.error)).toEqual([]);
    expect(new Set(answers.map((a) => a.value))).toEqual(new Set(["b", "c"]));
    expect(instances[0]!.state.calls).toBeGreaterThan(0); // it was tried, and its calls went elsewhere

    // Not retried: a status that isn't UNAVAILABLE, or UNAVAILABLE after response headers (the call is committed).
    for (const instance of instances) instance.state.failing = grpc.status.INVALID_ARGUMENT;
    const invalid = await unary(echo, "who", "?");
    expect(invalid.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    for (const instance of instances) Object.assign(instance.state, { failing: grpc.status.UNAVAILABLE, afterHeaders: true, calls: 0 });
    const committed = await unary(echo, "who", "?");
    expect(committed.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(instances.reduce((sum, i) => sum + i.state.calls, 0)).toBe(1);

    const counted = requests(proxy.stats().services[0]!.counters);
    expect(counted["2xx"]).toBe(60);
    expect(counted["4xx"]).toBe(1); // INVALID_ARGUMENT is the caller's error
    expect(counted["5xx"]).toBe(1); // UNAVAILABLE is the service's
  });

  it("retries calls on a stopped instance transparently, and says UNAVAILABLE when none is left", async () => {
    const instances = await Promise.all(["a", "b"].map(grpcInstance));
    const { port } = await grpcProxy(instances);
    const echo = client(port("api"));
    await instances[0]!.stop();
    const answers = await Promise.all(Array.from({ length: 20 }, () => unary(echo, "who", "?")));
    expect(answers.map((a) => a.value ?? a.error?.message)).toEqual(Array(20).fill("b"));

    const empty = await grpcProxy([]);
    const none = await unary(client(empty.port("api")), "who", "?");
    expect(none.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(none.error?.details).toBe("no healthy instance for service api");
  });

  it("honours grpc-timeout: the call ends DEADLINE_EXCEEDED and the instance gets the time left", async () => {
    const instance = await grpcInstance("a");
    const { proxy, port } = await grpcProxy([instance]);
    const echo = client(port("api"));
    const started = performance.now();
    const late = await unary(echo, "sleep", "3000", 300);
    expect(late.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(await unary(echo, "sleep", "10", 2000)).toEqual({ value: "a (with a deadline)" });
    // The proxy's own deadline fires beside the client's, a moment later on a busy machine.
    await expect.poll(() => requests(proxy.stats().services[0]!.counters)).toMatchObject({ "2xx": 1, "5xx": 1 });
  });

  it("survives clients that cancel, time out and vanish at any point, leaving nothing in flight", async () => {
    const instances = await Promise.all(["a", "b"].map(grpcInstance));
    const { proxy, port } = await grpcProxy(instances);
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 4; round++) {
      const echo = client(port("api"));
      const calls = Array.from({ length: 50 }, () => {
        const pick = random();
        if (pick < 0.3) {
          const call = echo.count("400");
          call.on("error", () => {});
          call.on("data", () => random() < 0.02 && call.cancel());
          return new Promise<void>((resolve) => call.on("close", () => resolve()));
        }
        if (pick < 0.6) return unary(echo, "sleep", String(Math.floor(random() * 50)), Math.floor(random() * 40) + 1);
        return unary(echo, "who", "?");
      });
      if (round % 2 === 1) setTimeout(() => echo.close(), 5); // the whole channel goes mid-way
      await Promise.all(calls.map((c) => Promise.race([c, new Promise((r) => setTimeout(r, 3000))])));
    }
    expect(await unary(client(port("api")), "who", "?")).toMatchObject({ value: expect.stringMatching(/^[ab]$/) });
    await new Promise((r) => setTimeout(r, 200));
    const stats = proxy.stats();
    expect(stats.services[0]!.counters.inFlight).toBe(0);
    expect(stats.endpoints.map((e) => e.counters.inFlight)).toEqual([0, 0]);
  });

  it("tells an HTTP/1.1 client that the listener speaks HTTP/2", async () => {
    const { port } = await grpcProxy([await grpcInstance("a")]);
    const answer = await rawConversation(port("api"), "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    expect(answer.text).toMatch(/^HTTP\/1\.1 505 /);
    expect(answer.text).toContain("this listener speaks HTTP/2 only");
    expect(answer.closed).toBe(true);
  });
});

/** A plain HTTP/2 (h2c) server: answers its id, or echoes a POST body back. */
async function h2Instance(id: string) {
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    if (headers[":method"] === "POST") {
      stream.respond({ ":status": 200, "x-instance": id });
      stream.pipe(stream);
    } else {
      stream.respond({ ":status": 200 });
      stream.end(id);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { endpoint: { id, host: "127.0.0.1", port, revision: 1 } satisfies EndpointConfig };
}

function h2Request(session: http2.ClientHttp2Session, method: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = session.request({ ":method": method, ":path": "/" });
    const chunks: Buffer[] = [];
    let status = 0;
    request.on("response", (h) => (status = Number(h[":status"])));
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => resolve({ status, body: Buffer.concat(chunks) }));
    request.on("error", reject);
    request.end(body);
  });
}

describe("HTTP/2 through the data plane", () => {
  it("balances requests of one connection per request and streams large bodies both ways", async () => {
    const instances = await Promise.all(["a", "b"].map(h2Instance));
    const harness = await proxyFor([cluster("web", instances.map((i) => i.endpoint), { protocol: "http2" })]);
    cleanup.push(() => harness.proxy.close());
    const session = http2.connect(`http://127.0.0.1:${harness.port("web")}`);
    cleanup.push(() => void session.close());

    const answers = await Promise.all(Array.from({ length: 10 }, () => h2Request(session, "GET")));
    expect(answers.map((a) => a.body.toString()).sort()).toEqual([...Array(5).fill("a"), ...Array(5).fill("b")]);

    // 8 MB is far beyond HTTP/2's 64 KB initial windows: it only gets through if flow control is passed on.
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    const echoed = await h2Request(session, "POST", body);
    expect(echoed.status).toBe(200);
    expect(echoed.body.equals(body)).toBe(true);
  });
});
