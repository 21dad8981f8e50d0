import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CLOSE_TOO_SLOW, type ServerMessage, type TopologyDelta } from "../contracts/realtime";
import { silentLogger } from "../lib/logger";
import type { Identity } from "../access/identity";
import { CLOSE_ACCESS_CHANGED, CLOSE_SIGNED_OUT } from "../contracts/access";
import { createRealtimeGateway, type GatewayOptions, type RealtimeClient, type TopicSource } from "./gateway";

/** Topic sources whose deltas the test pushes by hand. */
function manualSources() {
  const pushers = new Set<(delta: TopologyDelta) => void>();
  const sources: Record<string, TopicSource> = {
    topology: {
      snapshot: async () => ({ services: [], dependencies: [] }),
      subscribe: (push) => (pushers.add(push), () => pushers.delete(push)),
    },
    events: { snapshot: async () => [], subscribe: () => () => {} },
  };
  return { sources, push: (delta: TopologyDelta) => pushers.forEach((p) => p(delta)), subscribers: () => pushers.size };
}

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const viewer: Identity = { kind: "user", userId: "u-1", username: "vi", displayName: null, role: "viewer", grants: [], sso: false, sessionId: "s-1", via: "cookie" };

type ServeOptions = Omit<GatewayOptions, "log" | "resolve" | "authorize"> &
  Partial<Pick<GatewayOptions, "authorize">> & { sources: Record<string, TopicSource>; client?: Partial<RealtimeClient> };

async function serve(options: ServeOptions) {
  const gateway = createRealtimeGateway({ authorize: () => true, ...options, resolve: (topic) => options.sources[topic], log: silentLogger });
  const server = http.createServer();
  const client: RealtimeClient = { identity: viewer, address: "127.0.0.1", recheck: async () => viewer, ...options.client } as RealtimeClient;
  server.on("upgrade", (req, socket, head) => gateway.handleUpgrade(req, socket, head, client));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => (gateway.close(), server.close()));
  const { port } = server.address() as { port: number };
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const frames: ServerMessage[] = [];
  ws.on("message", (raw) => frames.push(JSON.parse(raw.toString()) as ServerMessage));
  await new Promise((r) => ws.once("open", r));
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!done()) throw new Error(`condition not met; frames: ${JSON.stringify(frames).slice(0, 300)}`);
  };
  const closed = new Promise<number>((resolve) => ws.once("close", resolve));
  return { ws, frames, until, port, gateway, closed };
}

describe("realtime gateway", () => {
  it("asks whether the socket's identity may watch each topic, and refuses the ones it may not", async () => {
    const manual = manualSources();
    const asked: string[] = [];
    const authorize = (identity: Identity, topic: string) => (asked.push(`${identity.username}:${topic}`), topic !== "events");
    const { ws, frames, until } = await serve({ sources: manual.sources, authorize });
    ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    expect(asked).toEqual(["vi:events", "vi:topology"]);
    expect(frames[0]).toEqual({ type: "error", message: "not allowed to watch events" });
    expect(frames[1]).toMatchObject({ type: "snapshot", topic: "topology" });
    expect(manual.subscribers()).toBe(1);
  });

  it("closes the sockets of a session that ended (4401) or of a user whose access changed (4403), and only those", async () => {
    const manual = manualSources();
    const first = await serve({ sources: manual.sources });
    first.gateway.accessChanged({ kind: "sessions.ended", sessionIds: ["someone-else"] });
    first.gateway.accessChanged({ kind: "sessions.ended", sessionIds: ["s-1"] });
    expect(await first.closed).toBe(CLOSE_SIGNED_OUT);
    const second = await serve({ sources: manual.sources });
    second.gateway.accessChanged({ kind: "user.changed", userId: "u-1" });
    expect(await second.closed).toBe(CLOSE_ACCESS_CHANGED);
  });

  it("re-checks credentials at each heartbeat and closes a socket whose session lapsed", async () => {
    let valid = true;
    const { closed, ws } = await serve({ sources: manualSources().sources, heartbeatMs: 30, client: { recheck: async () => (valid ? viewer : undefined) } });
    await new Promise((r) => setTimeout(r, 100));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    valid = false;
    expect(await closed).toBe(CLOSE_SIGNED_OUT);
  });

  it("says which topic to retry when its snapshot fails, and a second subscribe gets it", async () => {
    let fail = true;
    const sources: Record<string, TopicSource> = {
      events: { snapshot: async () => (fail ? Promise.reject(new Error("database busy")) : []), subscribe: () => () => {} },
    };
    const { ws, frames, until } = await serve({ sources });
    ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    await until(() => frames.some((f) => f.type === "error"));
    expect(frames).toEqual([{ type: "error", message: "could not load events; subscribe again to retry", retry: "events" }]);
    fail = false;
    ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    expect(frames.at(-1)).toEqual({ type: "snapshot", topic: "events", data: [] });
  });

  it("coalesces deltas into one batch per flush interval", async () => {
    const manual = manualSources();
    const { ws, frames, until } = await serve({ sources: manual.sources, flushIntervalMs: 100 });
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    for (let i = 0; i < 5; i++) manual.push({ kind: "service.removed", id: `s${i}` });
    await until(() => frames.some((f) => f.type === "batch"));
    const batches = frames.filter((f) => f.type === "batch");
    expect(batches).toHaveLength(1);
    expect(batches[0]!.type === "batch" && batches[0]!.messages.map((m) => m.data)).toEqual([0, 1, 2, 3, 4].map((i) => ({ kind: "service.removed", id: `s${i}` })));
  });

  it("drops a client that falls too far behind, with close code 4008, and releases its subscriptions", async () => {
    const manual = manualSources();
    const { ws, until } = await serve({ sources: manual.sources, flushIntervalMs: 1000, maxQueuedMessages: 10 });
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => manual.subscribers() === 1);
    await new Promise((r) => setTimeout(r, 50)); // let the snapshot go out first
    for (let i = 0; i < 11; i++) manual.push({ kind: "service.removed", id: `s${i}` });
    expect(await closed).toBe(CLOSE_TOO_SLOW);
    await until(() => manual.subscribers() === 0);
  });

  it("serves every socket on a topic from one upstream subscription, released with the last", async () => {
    const manual = manualSources();
    const { ws, frames, until, port } = await serve({ sources: manual.sources, flushIntervalMs: 20 });
    const other = new WebSocket(`ws://127.0.0.1:${port}`);
    const otherFrames: ServerMessage[] = [];
    other.on("message", (raw) => otherFrames.push(JSON.parse(raw.toString()) as ServerMessage));
    await new Promise((r) => other.once("open", r));
    for (const socket of [ws, other]) socket.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot") && otherFrames.some((f) => f.type === "snapshot"));
    expect(manual.subscribers()).toBe(1);
    manual.push({ kind: "service.removed", id: "shared" });
    const delivered = (list: ServerMessage[]) => list.some((f) => f.type === "batch" && f.messages.some((m) => JSON.stringify(m.data).includes("shared")));
    await until(() => delivered(frames) && delivered(otherFrames));
    other.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(manual.subscribers()).toBe(1);
    ws.close();
    await until(() => manual.subscribers() === 0);
  });

  it("reads a snapshot once for the sockets that ask while another read is under way, not sharing that one", async () => {
    const manual = manualSources();
    const reads: Array<() => void> = [];
    const sources: Record<string, TopicSource> = {
      ...manual.sources,
      topology: {
        ...manual.sources.topology!,
        snapshot: () => new Promise((resolve) => reads.push(() => resolve({ services: [], dependencies: [{ id: `read-${reads.length}` }] } as never))),
      },
    };
    const { ws, frames, until, port } = await serve({ sources, flushIntervalMs: 20 });
    const open = async () => {
      const other = new WebSocket(`ws://127.0.0.1:${port}`);
      const otherFrames: ServerMessage[] = [];
      other.on("message", (raw) => otherFrames.push(JSON.parse(raw.toString()) as ServerMessage));
      await new Promise((r) => other.once("open", r));
      cleanups.push(() => other.close());
      return { other, otherFrames };
    };
    const [second, third] = [await open(), await open()];
    const subscribe = (socket: WebSocket) => socket.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    subscribe(ws);
    await until(() => reads.length === 1);
    manual.push({ kind: "service.removed", id: "before-the-others" });
    subscribe(second.other);
    subscribe(third.other);
    await new Promise((r) => setTimeout(r, 50));
    manual.push({ kind: "service.removed", id: "after-all" });
    reads[0]!();
    await until(() => reads.length === 2);
    reads[1]!();
    const snapshot = (list: ServerMessage[]) => list.find((f) => f.type === "snapshot");
    const deltas = (list: ServerMessage[]) => list.flatMap((f) => (f.type === "batch" ? f.messages.map((m) => (m.data as { id: string }).id) : []));
    await until(() => deltas(frames).length === 2 && deltas(second.otherFrames).length === 1 && deltas(third.otherFrames).length === 1);
    expect(reads).toHaveLength(2);
    expect(snapshot(frames)).toMatchObject({ data: { dependencies: [{ id: "read-1" }] } });
    expect(deltas(frames)).toEqual(["before-the-others", "after-all"]);
    // The later two share one read, begun after they asked: what came before is in their snapshot, not in their deltas.
    for (const { otherFrames } of [second, third]) {
      expect(snapshot(otherFrames)).toMatchObject({ data: { dependencies: [{ id: "read-2" }] } });
      expect(deltas(otherFrames)).toEqual(["after-all"]);
    }
  });

  it("sends the first delta after a quiet spell at once, not after the flush interval", async () => {
    const manual = manualSources();
    const { ws, frames, until } = await serve({ sources: manual.sources, flushIntervalMs: 5000 });
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    manual.push({ kind: "service.removed", id: "prompt" });
    await until(() => frames.some((f) => f.type === "batch")); // gives up after 2 s
  });

  it("sends one tick's deltas that come a few milliseconds apart (metrics, then usage) in one frame", async () => {
    const manual = manualSources();
    const { ws, frames, until } = await serve({ sources: manual.sources, flushIntervalMs: 5000, gatherMs: 50 });
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    manual.push({ kind: "service.removed", id: "first" });
    await new Promise((r) => setTimeout(r, 10));
    manual.push({ kind: "service.removed", id: "second" });
    await until(() => frames.some((f) => f.type === "batch"));
    expect(frames.filter((f) => f.type === "batch")).toEqual([{ type: "batch", messages: ["first", "second"].map((id) => ({ type: "delta", topic: "topology", data: { kind: "service.removed", id } })) }]);
  });

  it("delivers frames of every length whole: under 126 bytes, under 64 KiB, and beyond", async () => {
    const manual = manualSources();
    const { ws, frames, until } = await serve({ sources: manual.sources, flushIntervalMs: 20, gatherMs: 0 });
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    const ids = ["s", "m".repeat(1000), "l".repeat(70_000)];
    for (const id of ids) {
      manual.push({ kind: "service.removed", id });
      await until(() => frames.filter((f) => f.type === "batch").length === ids.indexOf(id) + 1);
    }
    expect(frames.flatMap((f) => (f.type === "batch" ? f.messages.map((m) => (m.data as { id: string }).id) : []))).toEqual(ids);
    expect(frames[0]).toEqual({ type: "snapshot", topic: "topology", data: { services: [], dependencies: [] } });
  });

  it("closes a socket that sends a message far larger than any subscribe (1009 Message Too Big)", async () => {
    const { ws, closed } = await serve({ sources: manualSources().sources });
    ws.send(JSON.stringify({ type: "subscribe", topic: "x".repeat(5000) }));
    expect(await closed).toBe(1009);
  });

  it("stops sending a topic after unsubscribe", async () => {
    const manual = manualSources();
    const { ws, frames, until } = await serve({ sources: manual.sources, flushIntervalMs: 20 });
    ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await until(() => frames.some((f) => f.type === "snapshot"));
    ws.send(JSON.stringify({ type: "unsubscribe", topic: "topology" }));
    await until(() => manual.subscribers() === 0);
    manual.push({ kind: "service.removed", id: "late" });
    await new Promise((r) => setTimeout(r, 60));
    expect(frames.filter((f) => f.type === "batch")).toHaveLength(0);
  });
});
