import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import {
  CLOSE_TOO_SLOW,
  clientMessage,
  type ServerMessage,
  type TopicName,
  type TopicTypes,
} from "../contracts/realtime";
import { Feed } from "../lib/feed";
import type { Logger } from "../lib/logger";
import type { Identity } from "../access/identity";
import { CLOSE_ACCESS_CHANGED, CLOSE_SIGNED_OUT } from "../contracts/access";
import type { AccessChange } from "../store/changes";


/** Who is on the other end of a socket, and how to check they still are. */
export type RealtimeClient = {
  identity: Identity;
  /** Where it connects from: limits are per address as well as per socket. */
  address: string;
  /** Proves the credentials again (a session may have expired, a token been revoked). */
  recheck(): Promise<Identity | undefined>;
};

/** Where a topic's data comes from: a snapshot on subscribe, then a stream of deltas. */
export type TopicSource<T extends TopicName = TopicName> = {
  snapshot(): Promise<TopicTypes[T]["snapshot"]>;
  subscribe(push: (delta: TopicTypes[T]["delta"]) => void): () => void;
};

/** The source of a topic, or undefined when there is no such thing to watch. */
export type TopicResolver = (topic: TopicName) => TopicSource | undefined;

export type GatewayOptions = {
  resolve: TopicResolver;
  /** May this identity watch this topic? Asked at every subscribe. */
  authorize(identity: Identity, topic: TopicName): boolean | Promise<boolean>;
  log: Logger;
  flushIntervalMs?: number;
  /** Subscriptions a socket, a client address, and all sockets together may hold; sockets per address and in all. */
  limits?: Partial<RealtimeLimits>;
  /** A client with more undelivered messages or bytes than this is dropped; it resyncs on reconnect. */
  maxQueuedMessages?: number;
  maxBufferedBytes?: number;
  heartbeatMs?: number;
};

export type RealtimeLimits = { subscriptionsPerSocket: number; subscriptionsPerAddress: number; subscriptions: number; socketsPerAddress: number; sockets: number };

/** A dashboard holds tens of subscriptions; a whole team behind one NAT, a few thousand. */
const defaultLimits: RealtimeLimits = { subscriptionsPerSocket: 200, subscriptionsPerAddress: 6000, subscriptions: 20_000, socketsPerAddress: 256, sockets: 4096 };

type Sink = (encoded: string) => void;
/** A topic's upstream subscription, and the sockets' sinks on it (each with its unsubscribe). */
type Channel = { source: TopicSource; deltas: Feed<string>; sinks: Map<Sink, () => void>; stop(): void };

export type RealtimeGateway = {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, client: RealtimeClient): void;
  /** Closes the sockets whose access just ended or changed; their dashboards ask to sign in again. */
  accessChanged(change: AccessChange): void;
  clientCount(): number;
  close(): void;
};

export function createRealtimeGateway(options: GatewayOptions): RealtimeGateway {
  const { resolve, authorize, log } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const maxQueuedMessages = options.maxQueuedMessages ?? 2000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakSet<WebSocket>();
  const channels = new Map<TopicName, Channel>();
  const clients = new Map<WebSocket, RealtimeClient>();
  const limits = { ...defaultLimits, ...options.limits };
  /** Subscriptions and sockets held, per client address and in all. */
  const usage = { subscriptions: new Map<string, number>(), sockets: new Map<string, number>(), totalSubscriptions: 0 };
  const adjust = (counts: Map<string, number>, address: string, by: number) => {
    const next = (counts.get(address) ?? 0) + by;
    if (next > 0) counts.set(address, next);
    else counts.delete(address);
  };

  /**
   * One upstream subscription per topic however many sockets watch it, and each delta encoded
   * once: a hundred dashboards cost one computation and one JSON.stringify per delta.
   */
  function join(topic: TopicName, sink: Sink): Channel | undefined {
    let channel = channels.get(topic);
    if (!channel) {
      const source = resolve(topic);
      if (!source) return undefined;
      const deltas = new Feed<string>(`realtime ${topic}`, log);
      const stop = source.subscribe((data) => deltas.publish(JSON.stringify({ type: "delta", topic, data })));
      channel = { source, deltas, sinks: new Map(), stop };
      channels.set(topic, channel);
    }
    if (!channel.sinks.has(sink)) channel.sinks.set(sink, channel.deltas.subscribe(sink));
    return channel;
  }

  function leave(topic: TopicName, sink: Sink): void {
    const channel = channels.get(topic);
    const unsubscribe = channel?.sinks.get(sink);
    if (!channel || !unsubscribe) return;
    unsubscribe();
    channel.sinks.delete(sink);
    if (channel.sinks.size > 0) return;
    channel.stop();
    channels.delete(topic);
  }

  wss.on("connection", (ws: WebSocket, client: RealtimeClient) => {
    alive.add(ws);
    clients.set(ws, client);
    adjust(usage.sockets, client.address, 1);
    ws.on("pong", () => alive.add(ws));
    attachClient(ws, client);
  });

  /** A live socket counts as activity; one whose credentials lapsed (idle, expired, revoked) is closed. */
  async function recheck(ws: WebSocket, client: RealtimeClient) {
    try {
      if (!(await client.recheck())) ws.close(CLOSE_SIGNED_OUT, "signed out");
    } catch (err) {
      log.warn({ err }, "re-checking a realtime client's credentials failed");
    }
  }

  // Drops peers that vanished without a close frame (laptop lid, network cut).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      else {
        alive.delete(ws);
        ws.ping();
        const client = clients.get(ws);
        if (client) void recheck(ws, client);
      }
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  function attachClient(ws: WebSocket, client: RealtimeClient) {
    const subscriptions = new Map<TopicName, (encoded: string) => void>();
    /** Encoded deltas waiting for the next batch frame. */
    let queue: string[] = [];
    let flushTimer: NodeJS.Timeout | undefined;
    let lastFlush = 0;

    const sendRaw = (frame: string) => {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    };
    const send = (message: ServerMessage) => sendRaw(JSON.stringify(message));

    const flush = () => {
      flushTimer = undefined;
      lastFlush = Date.now();
      if (queue.length === 0) return;
      const messages = queue;
      queue = [];
      sendRaw(`{"type":"batch","messages":[${messages.join(",")}]}`);
    };

    const enqueue = (encoded: string) => {
      queue.push(encoded);
      if (queue.length > maxQueuedMessages || ws.bufferedAmount > maxBufferedBytes) {
        log.warn({ queued: queue.length, buffered: ws.bufferedAmount }, "dropping slow realtime client");
        queue = [];
        ws.close(CLOSE_TOO_SLOW, "too slow; reconnect to resync");
        return;
      }
      // At most one frame per interval, but no waiting after a quiet spell: the first delta goes
      // out as soon as the current burst (one tick's worth) has been queued.
      flushTimer ??= setTimeout(flush, Math.max(0, lastFlush + flushIntervalMs - Date.now()));
    };

    const track = (topic: TopicName, sink: (encoded: string) => void) => {
      subscriptions.set(topic, sink);
      adjust(usage.subscriptions, client.address, 1);
      usage.totalSubscriptions++;
    };
    const untrack = (topic: TopicName) => {
      const sink = subscriptions.get(topic);
      if (!sink) return;
      leave(topic, sink);
      subscriptions.delete(topic);
      adjust(usage.subscriptions, client.address, -1);
      usage.totalSubscriptions--;
    };
    /** Which limit a new subscription would pass, if any. */
    const overLimit = () =>
      subscriptions.size >= limits.subscriptionsPerSocket ? `${limits.subscriptionsPerSocket} per connection`
      : (usage.subscriptions.get(client.address) ?? 0) >= limits.subscriptionsPerAddress ? `${limits.subscriptionsPerAddress} per client address`
      : usage.totalSubscriptions >= limits.subscriptions ? `${limits.subscriptions} in all`
      : undefined;

    const subscribe = async (topic: TopicName) => {
      if (subscriptions.has(topic)) return;
      // Decided synchronously when it can be, so a subscribe and an unsubscribe keep their order.
      const verdict = authorize(client.identity, topic);
      const refused = () => send({ type: "error", message: `not allowed to watch ${topic}` });
      if (verdict === false) return refused();
      if (verdict !== true) {
        if (!(await verdict)) return refused();
        if (subscriptions.has(topic) || ws.readyState !== ws.OPEN) return; // raced with itself, or closed meanwhile
      }
      const limit = overLimit();
      if (limit) return send({ type: "error", message: `too many subscriptions: at most ${limit}` });
      // Deltas that arrive while the snapshot is read are held back and sent after it, so none is lost.
      let held: string[] | undefined = [];
      const sink = (encoded: string) => (held ? held.push(encoded) : enqueue(encoded));
      const channel = join(topic, sink);
      if (!channel) return send({ type: "error", message: `unknown topic ${topic}` });
      track(topic, sink);
      try {
        const data = await channel.source.snapshot();
        if (subscriptions.get(topic) !== sink) return; // unsubscribed or closed meanwhile
        send({ type: "snapshot", topic, data } as ServerMessage);
        for (const encoded of held) enqueue(encoded);
        held = undefined;
      } catch (err) {
        log.error({ err, topic }, "realtime snapshot failed");
        untrack(topic);
        send({ type: "error", message: `could not load ${topic}; subscribe again to retry`, retry: topic });
      }
    };

    ws.on("message", (raw, isBinary) => {
      let parsed: unknown;
      try {
        parsed = isBinary ? undefined : JSON.parse(raw.toString());
      } catch {
        parsed = undefined;
      }
      const result = clientMessage.safeParse(parsed);
      if (!result.success) {
        send({ type: "error", message: `malformed message: ${result.error.issues[0]?.message ?? "expected JSON"}` });
        return;
      }
      const message = result.data;
      if (message.type === "subscribe") void subscribe(message.topic);
      else untrack(message.topic);
    });

    ws.on("close", () => {
      clients.delete(ws);
      adjust(usage.sockets, client.address, -1);
      for (const topic of [...subscriptions.keys()]) untrack(topic);
      if (flushTimer) clearTimeout(flushTimer);
    });
    ws.on("error", (err) => log.debug({ err }, "realtime socket error"));
  }

  return {
    handleUpgrade(req, socket, head, client) {
      if ((usage.sockets.get(client.address) ?? 0) >= limits.socketsPerAddress || clients.size >= limits.sockets) {
        socket.end("HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntoo many live connections\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, client));
    },
    accessChanged(change) {
      for (const [ws, { identity }] of clients) {
        if (change.kind === "sessions.ended" && identity.sessionId && change.sessionIds.includes(identity.sessionId)) ws.close(CLOSE_SIGNED_OUT, "signed out");
        if (change.kind === "token.revoked" && identity.tokenId === change.tokenId) ws.close(CLOSE_SIGNED_OUT, "token revoked");
        if (change.kind === "user.changed" && identity.userId === change.userId) ws.close(CLOSE_ACCESS_CHANGED, "access changed; sign in again");
      }
    },
    clientCount: () => wss.clients.size,
    close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      wss.close();
    },
  };
}
