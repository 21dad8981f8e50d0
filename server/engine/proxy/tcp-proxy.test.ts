import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { mergeStats } from "./counters-merge";
import { cluster, freePort, proxyFor } from "./testing/proxy-harness";
import type { FaultConfig } from "./faults";
import type { EndpointConfig } from "./types";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A TCP server that greets each connection with its id, then echoes in upper case; the end of input ends its answer. */
async function echo(id: string) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.write(`${id}:`);
    socket.on("data", (chunk) => socket.write(chunk.toString().toUpperCase()));
    socket.on("end", () => socket.end("|bye"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  cleanup.push(close);
  return { id, port, sockets, close, endpoint: { id, host: "127.0.0.1", port, revision: 1 } satisfies EndpointConfig };
}

/** Connects, sends `text`, half-closes, and collects everything until the proxy closes. */
function converse(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let answer = "";
    socket.on("data", (c) => (answer += c.toString()));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.on("connect", () => socket.end(text));
  });
}

function open(port: number): Promise<{ socket: net.Socket; read(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let buffered = "";
    let waiter: ((text: string) => void) | undefined;
    socket.on("data", (c) => {
      buffered += c.toString();
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        const text = buffered;
        buffered = "";
        w(text);
      }
    });
    socket.once("error", reject);
    socket.once("connect", () =>
      resolve({
        socket,
        read: () =>
          new Promise((r) => {
            if (buffered) {
              const text = buffered;
              buffered = "";
              r(text);
            } else waiter = r;
          }),
      }),
    );
  });
}

async function tcpProxy(endpoints: EndpointConfig[], settings: Parameters<typeof cluster>[2] = {}) {
  const p = await proxyFor([cluster("redis", endpoints, { protocol: "tcp", ...settings })]);
  cleanup.push(() => p.proxy.close());
  return p;
}

describe("the TCP (L4) listener", () => {
  it("pipes bytes both ways, carries a half-close through, and balances connections round robin", async () => {
    const [a, b] = [await echo("a"), await echo("b")];
    const p = await tcpProxy([a.endpoint, b.endpoint]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await converse(p.port("redis"), `ping ${i}`));
    expect(answers).toEqual(["a:PING 0|bye", "b:PING 1|bye", "a:PING 2|bye", "b:PING 3|bye"]);
  });

  it("retries the connect on another instance and counts the failed attempt", async () => {
    const dead = { id: "dead", host: "127.0.0.1", port: await freePort(), revision: 1 };
    const b = await echo("b");
    const p = await tcpProxy([dead, b.endpoint]);
    for (let i = 0; i < 4; i++) expect(await converse(p.port("redis"), "x")).toBe("b:X|bye");
    const stats = p.proxy.stats();
    const service = stats.services[0]!.counters.connections;
    expect(service.total).toBe(4);
    expect(service.connectErrors).toBeGreaterThanOrEqual(1);
    expect(stats.endpoints.find((e) => e.instanceId === "dead")!.counters.connections.connectErrors).toBe(service.connectErrors);
  });

  it("takes injected faults: a delayed connect, or a reset", async () => {
    const a = await echo("a");
    const p = await tcpProxy([a.endpoint]);
    const inject = (fault: FaultConfig["fault"]) =>
      p.proxy.apply({
        host: "127.0.0.1",
        clusters: [cluster("redis", [a.endpoint], { protocol: "tcp" })],
        listeners: [{ kind: "service", port: p.port("redis"), serviceId: "redis" }],
        routes: [],
        faults: [{ id: fault.kind, listener: "service:redis", fault, until: Date.now() + 60_000 }],
      });
    inject({ kind: "latency", ms: 200, percent: 100 });
    const started = performance.now();
    expect(await converse(p.port("redis"), "late")).toBe("a:LATE|bye");
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    inject({ kind: "abort", percent: 100 });
    await expect(converse(p.port("redis"), "never")).rejects.toThrow(/ECONNRESET/);
    expect(a.sockets.size).toBe(0);
  });

  it("closes the client's connection when no instance is ready", async () => {
    const p = await tcpProxy([]);
    expect(await converse(p.port("redis"), "hello")).toBe("");
  });

  it("counts connections, open connections and bytes per listener, service and instance", async () => {
    const a = await echo("a");
    const p = await tcpProxy([a.endpoint]);
    const held = await open(p.port("redis"));
    expect(await held.read()).toBe("a:");
    held.socket.write("abc");
    expect(await held.read()).toBe("ABC");
    let stats = mergeStats([p.proxy.stats(), p.proxy.stats()]);
    expect(stats.services[0]!.counters.connections).toEqual({ total: 2, open: 2, bytesIn: 6, bytesOut: 10, connectErrors: 0 });
    stats = p.proxy.stats();
    expect(stats.listeners[0]!.counters.connections.open).toBe(1);
    expect(stats.endpoints[0]!.counters.connections).toMatchObject({ total: 1, open: 1, bytesIn: 3 });
    held.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(p.proxy.stats().services[0]!.counters.connections.open).toBe(0);
  });

  it("least_request counts open connections; ring_hash keeps a client address on one instance", async () => {
    const [a, b] = [await echo("a"), await echo("b")];
    const least = await tcpProxy([a.endpoint, b.endpoint], { policy: "least_request" });
    const held = await open(least.port("redis"));
    const first = (await held.read())[0];
    for (let i = 0; i < 10; i++) expect((await converse(least.port("redis"), ""))[0]).not.toBe(first);
    held.socket.destroy();
    const sticky = await tcpProxy([a.endpoint, b.endpoint], { policy: "ring_hash" });
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add((await converse(sticky.port("redis"), ""))[0]!);
    expect(seen.size).toBe(1);
  });

  it("draining stops new connections to an instance and waits for its open ones to end", async () => {
    const [a, b] = [await echo("a"), await echo("b")];
    const p = await tcpProxy([a.endpoint, b.endpoint]);
    const held = await open(p.port("redis"));
    expect(await held.read()).toBe("a:");
    let drained = false;
    const drain = p.proxy.drain("a").then(() => (drained = true));
    for (let i = 0; i < 3; i++) expect(await converse(p.port("redis"), "n")).toBe("b:N|bye");
    held.socket.write("still here");
    expect(await held.read()).toBe("STILL HERE");
    expect(drained).toBe(false);
    held.socket.end();
    await drain;
    expect(drained).toBe(true);
  });

  it("an instance dying resets only the connections open on it", async () => {
    const [a, b] = [await echo("a"), await echo("b")];
    const p = await tcpProxy([a.endpoint, b.endpoint]);
    const onA = await open(p.port("redis"));
    const onB = await open(p.port("redis"));
    expect([await onA.read(), await onB.read()]).toEqual(["a:", "b:"]);
    const closed = new Promise((r) => onA.socket.once("close", r));
    for (const s of a.sockets) s.destroy();
    await closed;
    onB.socket.write("ok");
    expect(await onB.read()).toBe("OK");
    onB.socket.destroy();
  });

  it("the ingress answers 502 to a request it routes to a tcp service", async () => {
    const a = await echo("a");
    const ingress = await freePort();
    const p = await proxyFor([cluster("redis", [a.endpoint], { protocol: "tcp" })], { listeners: [{ kind: "ingress", port: ingress }], routes: [{ host: null, pathPrefix: "/", stripPrefix: false, serviceId: "redis" }] });
    cleanup.push(() => p.proxy.close());
    expect(await converse(ingress, "GET / HTTP/1.1\r\nhost: x\r\n\r\n")).toMatch(/^HTTP\/1.1 502 /);
  });

  it("an http service's listener still speaks HTTP", async () => {
    const a = await echo("a");
    const p = await proxyFor([cluster("web", [a.endpoint])]);
    cleanup.push(() => p.proxy.close());
    // The echo server is no HTTP server: the proxy answers with an HTTP error, not the raw greeting.
    const answer = await converse(p.port("web"), "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    expect(answer.startsWith("HTTP/1.1 ")).toBe(true);
  });
});
