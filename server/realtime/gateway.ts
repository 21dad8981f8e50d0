import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import {
  CLOSE_TOO_SLOW,
  clientMessage,
  type ServerMessage,
  type TopicMessage,
  type TopicName,
  type TopicTypes,
} from "../contracts/realtime";
import type { Logger } from "../lib/logger";

const MAX_SUBSCRIPTIONS = 200;

/** Where a topic's data comes from: a snapshot on subscribe, then a stream of deltas. */
export type TopicSource<T extends TopicName = TopicName> = {
  snapshot(): Promise<TopicTypes[T]["snapshot"]>;
  subscribe(push: (delta: TopicTypes[T]["delta"]) => void): () => void;
};

/** The source of a topic, or undefined when there is no such thing to watch. */
export type TopicResolver = (topic: TopicName) => TopicSource | undefined;

export type GatewayOptions = {
  resolve: TopicResolver;
  log: Logger;
  flushIntervalMs?: number;
  /** A client with more undelivered messages or bytes than this is dropped; it resyncs on reconnect. */
  maxQueuedMessages?: number;
  maxBufferedBytes?: number;
  heartbeatMs?: number;
};

export type RealtimeGateway = {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  clientCount(): number;
  close(): void;
};

export function createRealtimeGateway(options: GatewayOptions): RealtimeGateway {
  const { resolve, log } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const maxQueuedMessages = options.maxQueuedMessages ?? 2000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakSet<WebSocket>();

  wss.on("connection", (ws) => {
    alive.add(ws);
    ws.on("pong", () => alive.add(ws));
    attachClient(ws);
  });

  // Drops peers that vanished without a close frame (laptop lid, network cut).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      else {
        alive.delete(ws);
        ws.ping();
      }
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  function attachClient(ws: WebSocket) {
    const subscriptions = new Map<TopicName, () => void>();
    let queue: TopicMessage[] = [];
    let flushTimer: NodeJS.Timeout | undefined;

    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };

    const flush = () => {
      flushTimer = undefined;
      if (queue.length === 0) return;
      const messages = queue;
      queue = [];
      send({ type: "batch", messages });
    };

    const enqueue = (message: TopicMessage) => {
      queue.push(message);
      if (queue.length > maxQueuedMessages || ws.bufferedAmount > maxBufferedBytes) {
        log.warn({ queued: queue.length, buffered: ws.bufferedAmount }, "dropping slow realtime client");
        queue = [];
        ws.close(CLOSE_TOO_SLOW, "too slow; reconnect to resync");
        return;
      }
      flushTimer ??= setTimeout(flush, flushIntervalMs);
    };

    const subscribe = async (topic: TopicName) => {
      if (subscriptions.has(topic)) return;
      if (subscriptions.size >= MAX_SUBSCRIPTIONS) return send({ type: "error", message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection` });
      const source = resolve(topic);
      if (!source) return send({ type: "error", message: `unknown topic ${topic}` });
      // Deltas that arrive while the snapshot is read are held back and sent after it, so none is lost.
      let held: TopicMessage[] | undefined = [];
      const unsubscribe = source.subscribe((data) => {
        const message = { type: "delta", topic, data } as TopicMessage;
        if (held) held.push(message);
        else enqueue(message);
      });
      subscriptions.set(topic, unsubscribe);
      try {
        const data = await source.snapshot();
        if (subscriptions.get(topic) !== unsubscribe) return; // unsubscribed or closed meanwhile
        send({ type: "snapshot", topic, data } as ServerMessage);
        for (const message of held) enqueue(message);
        held = undefined;
      } catch (err) {
        log.error({ err, topic }, "realtime snapshot failed");
        unsubscribe();
        subscriptions.delete(topic);
        send({ type: "error", message: `could not load ${topic}; subscribe again to retry` });
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
      else {
        subscriptions.get(message.topic)?.();
        subscriptions.delete(message.topic);
      }
    });

    ws.on("close", () => {
      for (const unsubscribe of subscriptions.values()) unsubscribe();
      subscriptions.clear();
      if (flushTimer) clearTimeout(flushTimer);
    });
    ws.on("error", (err) => log.debug({ err }, "realtime socket error"));
  }

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    clientCount: () => wss.clients.size,
    close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      wss.close();
    },
  };
}
