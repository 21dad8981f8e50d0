import { execFileSync, spawnSync } from "node:child_process";
import net from "node:net";
import { describe, expect, it } from "vitest";
import type { Instance } from "./contracts/instance";
import { adminHeaders, fixtureTemplate, useTestGantry, type ApiClient } from "./testing/gantry";
import { pidOf } from "./testing/processes";
import { waitFor } from "./testing/wait";

const missing = ["redis-server", "redis-cli"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
const reason = missing.length ? `${missing.join(" and ")} not installed (apt-get install -y redis-server redis-tools)` : "";
if (reason && process.env.CI === "true") throw new Error(`the TCP service tests need Redis under CI: ${reason}`);
if (reason) console.warn(`skipping the TCP service tests: ${reason}`);

const GRACE_SECONDS = 20;

/** Real Redis, on the PORT Gantry gives the instance; nothing written to disk. */
const redisTemplate = {
  command: `exec redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no`,
  shell: true,
  gracePeriodSeconds: GRACE_SECONDS,
  probes: { readiness: { kind: "tcp" as const, periodSeconds: 0.2, failureThreshold: 1 } },
};

const redisCli = (port: number, input: string) => execFileSync("redis-cli", ["-p", String(port)], { input, encoding: "utf8", timeout: 5000 }).trim().split("\n");

/** One client connection speaking RESP inline commands: `ask` sends a command and resolves with the whole reply. */
function redisConnection(port: number): Promise<{ socket: net.Socket; ask(command: string): Promise<string>; closed: Promise<boolean> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let buffer = "";
    let waiting: { resolve(text: string): void; reject(err: Error): void } | undefined;
    let failed = false;
    const closed = new Promise<boolean>((r) => socket.once("close", () => r(failed)));
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      // A simple string (+PONG), or a bulk string ($n\r\n…\r\n) complete.
      const bulk = /^\$(\d+)\r\n/.exec(buffer);
      const complete = bulk ? buffer.length >= bulk[0].length + Number(bulk[1]) + 2 : buffer.endsWith("\r\n");
      if (complete && waiting) {
        const w = waiting;
        waiting = undefined;
        const text = buffer;
        buffer = "";
        w.resolve(text);
      }
    });
    socket.on("error", (err) => {
      failed = true;
      waiting?.reject(err);
    });
    socket.on("close", () => waiting?.reject(new Error("connection closed")));
    socket.once("connect", () =>
      resolve({
        socket,
        closed,
        ask: (command) =>
          new Promise((res, rej) => {
            waiting = { resolve: res, reject: rej };
            socket.write(`${command}\r\n`);
          }),
      }),
    );
    socket.once("error", reject);
  });
}

/** Which instance (by its own port) a connection landed on. */
const instancePortOf = async (connection: { ask(command: string): Promise<string> }) => Number(/tcp_port:(\d+)/.exec(await connection.ask("INFO server"))![1]);

/** Which instance a fresh connection lands on (the connection is closed again). */
async function nextInstancePort(listener: number): Promise<number> {
  const connection = await redisConnection(listener);
  const port = await instancePortOf(connection);
  connection.socket.end();
  return port;
}

const readyInstances = async (api: ApiClient, serviceId: string, count: number) =>
  waitFor(async () => {
    const ready = (await api.instances.list.query({ serviceId })).filter((i) => i.ready && i.phase === "Running");
    return ready.length === count ? ready : undefined;
  }, `${count} ready instance(s)`, 20_000);

describe.skipIf(Boolean(reason))("Redis as a tcp service", () => {
  const server = useTestGantry();

  it("serves redis-cli through its listener, gives a dependent REDIS_ADDR, drains on scale down and survives a SIGKILL", { timeout: 120_000 }, async () => {
    const api = server.api;
    let redis = await api.services.create.mutate({ name: "redis", replicas: 2, template: redisTemplate, traffic: { protocol: "tcp" } });
    const listener = redis.listenPort!;
    await readyInstances(api, redis.id, 2);
    // Ready as the API says; the data plane gets the endpoints a moment later (until then: closed at once).
    await waitFor(() => (redisCli(listener, "PING\n")[0] === "PONG" ? true : undefined), "PONG through the listener");

    // redis-cli through the listener: one connection, so both commands reach the same instance.
    expect(redisCli(listener, "SET greeting hello\nGET greeting\n")).toEqual(["OK", "hello"]);
    const ports = new Set<number>();
    for (let i = 0; i < 4; i++) ports.add(await nextInstancePort(listener));
    expect(ports.size).toBe(2); // round robin over both instances

    // A dependent gets REDIS_ADDR (host:port, no scheme) pointing at its edge's listener, which also pipes.
    const caller = await api.services.create.mutate({ name: "cache-user", replicas: 1, template: fixtureTemplate() });
    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: redis.id });
    await waitFor(async () => {
      const [instance] = (await api.instances.list.query({ serviceId: caller.id })).filter((i) => i.ready && i.phase === "Running" && i.revision === 2);
      return instance && (await (await fetch(`http://127.0.0.1:${instance.port}/env/REDIS_ADDR`)).text()) === `127.0.0.1:${edge.port}` ? true : undefined;
    }, "REDIS_ADDR in the caller's instance", 20_000);
    expect((await api.services.get.query({ id: caller.id })).template.links).toEqual({ REDIS_ADDR: `127.0.0.1:${edge.port}` });
    const viaEdge = await redisConnection(edge.port!);
    expect(await viaEdge.ask("PING")).toBe("+PONG\r\n");
    viaEdge.socket.end();
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${server.gantry.url}/metrics`, { headers: adminHeaders })).text();
      return /gantry_edge_connections_total\{from="cache-user",to="redis"\} 1\n/.test(text) ? text : undefined;
    }, "connection counters in /metrics", 5000);
    // redis-cli (PING, then SET and GET) and 4 INFO connections through the service's listener, 1 PING through the edge's.
    expect(metrics).toMatch(/gantry_service_connections_total\{service="redis"\} \d+\n/);
    expect(metrics).toMatch(/gantry_edge_received_bytes_total\{from="cache-user",to="redis"\} 6\n/); // PING\r\n
    expect(metrics).toMatch(/gantry_edge_sent_bytes_total\{from="cache-user",to="redis"\} 7\n/); // +PONG\r\n
    expect(metrics).toMatch(/gantry_service_connect_errors_total\{service="redis"\} 0\n/);
    if (spawnSync("sh", ["-c", "command -v promtool"]).status === 0) {
      const check = spawnSync("promtool", ["check", "metrics"], { input: metrics, encoding: "utf8" });
      expect(check.stdout + check.stderr).toBe("");
    }

    // Scale down: connections open on the drained instance keep working, new ones go to the other.
    const held = await Promise.all([1, 2, 3, 4].map(() => redisConnection(listener)));
    const heldPorts = await Promise.all(held.map(instancePortOf));
    redis = await api.services.scale.mutate({ id: redis.id, replicas: 1 });
    const draining = await waitFor(async () => (await api.instances.list.query({ serviceId: redis.id })).find((i) => !i.ready || i.phase !== "Running"), "an instance draining");
    const survivorPort = [...ports].find((p) => p !== draining.port)!;
    const onDrained = held.filter((_, i) => heldPorts[i] === draining.port);
    expect(onDrained.length).toBe(2);
    for (let i = 0; i < 5; i++) expect(await nextInstancePort(listener)).toBe(survivorPort);
    await new Promise((r) => setTimeout(r, 1000));
    for (const connection of onDrained) expect(await connection.ask("PING")).toBe("+PONG\r\n");
    expect((await api.instances.list.query({ serviceId: redis.id })).some((i) => i.id === draining.id && i.phase !== "Stopped")).toBe(true);
    // Once they close, the drain ends and the instance stops well before the grace period.
    const closedAt = Date.now();
    for (const connection of onDrained) connection.socket.end();
    await waitFor(async () => ((await api.instances.list.query({ serviceId: redis.id })).some((i) => i.id === draining.id && i.phase !== "Stopped") ? undefined : true), "the drained instance stopped", 15_000);
    expect(Date.now() - closedAt).toBeLessThan((GRACE_SECONDS * 1000) / 2);
    for (const connection of held) connection.socket.destroy();

    // SIGKILL of an instance under a client loop: only the connections open on it see errors.
    redis = await api.services.scale.mutate({ id: redis.id, replicas: 2 });
    const [first, second] = (await readyInstances(api, redis.id, 2)) as [Instance, Instance];
    const longLived = await Promise.all([1, 2, 3, 4].map(() => redisConnection(listener)));
    const longLivedPorts = await Promise.all(longLived.map(instancePortOf));
    const outcomes = longLived.map((c) => c.closed);
    let stop = false;
    const loop = { pings: 0, errors: 0 };
    const running = (async () => {
      while (!stop) {
        try {
          const connection = await redisConnection(listener);
          if ((await connection.ask("PING")) !== "+PONG\r\n") throw new Error("not PONG");
          connection.socket.end();
          loop.pings++;
        } catch {
          loop.errors++; // reconnects at the next turn
        }
      }
    })();
    await waitFor(() => (loop.pings > 50 ? true : undefined), "the loop running");
    const killed = first;
    process.kill(pidOf(killed)!, "SIGKILL");
    const pingsAtKill = loop.pings;
    await waitFor(() => (loop.pings > pingsAtKill + 200 ? true : undefined), "the loop going on after the kill", 10_000);
    stop = true;
    await running;
    // A fresh connection at the moment of the kill may have been on it; every other one connected elsewhere.
    expect(loop.errors).toBeLessThanOrEqual(1);
    for (const [i, connection] of longLived.entries()) {
      if (longLivedPorts[i] === killed.port) expect(await outcomes[i]).toBeDefined();
      else expect(await connection.ask("PING")).toBe("+PONG\r\n");
    }
    const broken = await Promise.race([Promise.all(longLived.filter((_, i) => longLivedPorts[i] === killed.port).map((c) => c.closed)), new Promise((r) => setTimeout(() => r("open"), 3000))]);
    expect(broken).not.toBe("open");
    expect(longLivedPorts.filter((p) => p === second.port).length).toBe(2);
    for (const connection of longLived) connection.socket.destroy();
  });

  it("re-rolls a tcp service's callers when its protocol changes: REDIS_ADDR becomes KV_URL and back", async () => {
    const api = server.api;
    const kv = await api.services.create.mutate({ name: "kv", replicas: 0, template: { command: "true" } });
    const caller = await api.services.create.mutate({ name: "kv-user", replicas: 0, template: { command: "true" } });
    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: kv.id });
    expect((await api.services.get.query({ id: caller.id })).template.links).toEqual({ KV_URL: `http://127.0.0.1:${edge.port}` });
    // The plan preview says which callers the change re-rolls (http2 keeps a URL: nobody).
    const plan = (protocol: "tcp" | "http2") => api.rollouts.plan.mutate({ id: kv.id, version: kv.version, patch: { traffic: { protocol } } });
    expect((await plan("tcp")).relinks).toEqual([{ service: "kv-user", from: "KV_URL", to: "KV_ADDR" }]);
    expect((await plan("http2")).relinks).toEqual([]);
    const tcp = await api.services.update.mutate({ id: kv.id, version: kv.version, patch: { traffic: { protocol: "tcp" } } });
    const relinked = await api.services.get.query({ id: caller.id });
    expect(relinked.template.links).toEqual({ KV_ADDR: `127.0.0.1:${edge.port}` });
    expect(relinked.revision).toBe(3);
    const [updated] = await api.events.list.query({ serviceId: caller.id, kind: "service.updated" });
    expect(updated!.message).toBe("updated links of kv-user (revision 3): +KV_ADDR, −KV_URL");
    const http = await api.services.update.mutate({ id: kv.id, version: tcp.version, patch: { traffic: { protocol: "http" } } });
    expect((await api.services.get.query({ id: caller.id })).template.links).toEqual({ KV_URL: `http://127.0.0.1:${edge.port}` });

    // The ingress speaks HTTP/1.1: a route to a service that doesn't is refused, and nothing changes.
    const routed = api.services.update.mutate({ id: kv.id, version: http.version, patch: { traffic: { protocol: "grpc", routes: [{ pathPrefix: "/kv" }] } } });
    await expect(routed).rejects.toThrow("routes are for http services: the ingress speaks HTTP/1.1; call a grpc service on its own listener");
    expect((await api.services.get.query({ id: kv.id })).traffic).toMatchObject({ protocol: "http", routes: [] });
  });
});
