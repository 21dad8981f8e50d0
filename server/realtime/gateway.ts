import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import {
  CLOSE_TOO_SLOW,
  clientMessage,
  type ServerMessage,
  type TopicName,
  type TopicTypes,
} from "../contracts/realtime";
import type { Logger } from "../lib/logger";
import type { Identity } from "../access/identity";
import { CLOSE_ACCESS_CHANGED, CLOSE_SIGNED_OUT } from "../contracts/access";
import type { AccessChange } from "../store/changes";
import { Channel, type EncodedDelta, type Membership } from "./channel";
import { textFrame } from "./frame";
import { defaultRealtimeLimits, type RealtimeLimits } from "./limits";


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
  /** After a quiet spell, how long the first delta waits for the rest of its tick (metrics and usage come on the same second). */
  gatherMs?: number;
  limits?: Partial<RealtimeLimits>;
  /** A client with more undelivered messages or bytes than this is dropped; it resyncs on reconnect. */
  maxQueuedMessages?: number;
  maxBufferedBytes?: number;
  heartbeatMs?: number;
};


/**
 * A socket's state: what it watches, and the deltas waiting for the next flush. `socket` is the
 * connection under `ws`, where frames encoded once for many sockets are written whole (frame.ts).
 * Plain data handled by the gateway's functions: no closure per socket (ten thousand dashboards).
 */
type Subscriber = { ws: WebSocket; socket: Duplex; client: RealtimeClient; topics: Map<TopicName, Membership<Subscriber>>; queue: EncodedDelta[]; alive: boolean };

/** A batch frame built in a flush, and the deltas it holds. */
type Batch = { deltas: EncodedDelta[]; frame: Buffer };

/**
 * Writes a frame built by textFrame. ws writes its own frames at once too (permessage-deflate,
 * which could hold one back, is off), so frames from both stay whole and in order.
 */
function sendFrame({ ws, socket }: Subscriber, frame: Buffer): void {
  if (ws.readyState === ws.OPEN) socket.write(frame);
}

function sameDeltas(a: EncodedDelta[], b: EncodedDelta[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The batch frame for `queue`, built once a flush for every socket whose queue holds the same deltas (most dashboards watch the same topics). */
function batchFrame(built: Map<EncodedDelta, Batch[]>, queue: EncodedDelta[]): Buffer {
  let alike = built.get(queue[0]!);
  if (!alike) built.set(queue[0]!, (alike = []));
  for (const batch of alike) if (sameDeltas(batch.deltas, queue)) return batch.frame;
  const batch = { deltas: queue, frame: textFrame(`{"type":"batch","messages":[${queue.join(",")}]}`) };
  alike.push(batch);
  return batch.frame;
}

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
  const gatherMs = options.gatherMs ?? 50;
  const maxQueuedMessages = options.maxQueuedMessages ?? 2000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  // A client only ever sends subscribe and unsubscribe, under 200 bytes: a socket can make ws buffer
  // no more than this for a message it dribbles in (64 KiB × ten thousand sockets was 640 MiB).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  const channels = new Map<TopicName, Channel<Subscriber>>();
  const subscribers = new Map<WebSocket, Subscriber>();
  const limits = { ...defaultRealtimeLimits, ...options.limits };
  /** Subscriptions and sockets held, per client address and in all. */
  const usage = { subscriptions: new Map<string, number>(), sockets: new Map<string, number>(), totalSubscriptions: 0 };
  const adjust = (counts: Map<string, number>, address: string, by: number) => {
    const next = (counts.get(address) ?? 0) + by;
    if (next > 0) counts.set(address, next);
    else counts.delete(address);
  };

  /**
   * One timer for the gateway, not one per socket. A flush walks every socket for a non-empty
   * queue rather than keeping a set of the pending ones: refilled from empty each flush, such a set
   * rehashed its way up to ten thousand entries, tables large enough to be old-generation garbage.
   */
  let flushTimer: NodeJS.Timeout | undefined;
  let lastFlush = 0;

  function flush() {
    flushTimer = undefined;
    lastFlush = Date.now();
    const built = new Map<EncodedDelta, Batch[]>();
    for (const subscriber of subscribers.values()) {
      const { queue } = subscriber;
      if (queue.length === 0) continue;
      subscriber.queue = [];
      sendFrame(subscriber, batchFrame(built, queue));
    }
  }

  function enqueue(subscriber: Subscriber, delta: EncodedDelta) {
    const { ws } = subscriber;
    subscriber.queue.push(delta);
    if (subscriber.queue.length > maxQueuedMessages || ws.bufferedAmount > maxBufferedBytes) {
      log.warn({ queued: subscriber.queue.length, buffered: ws.bufferedAmount }, "dropping slow realtime client");
      subscriber.queue = [];
      ws.close(CLOSE_TOO_SLOW, "too slow; reconnect to resync");
      return;
    }
    // At most one flush per interval, and little waiting after a quiet spell: the first delta goes
    // out once the rest of its tick has had time to join it. A frame is a write per socket, the
    // main cost of ten thousand dashboards, so one tick's deltas go in one.
    flushTimer ??= setTimeout(flush, Math.max(gatherMs, lastFlush + flushIntervalMs - Date.now()));
  }

  /** One upstream subscription per topic however many sockets watch it (see Channel). */
  function join(topic: TopicName, membership: Membership<Subscriber>): Channel<Subscriber> | undefined {
    let channel = channels.get(topic);
    if (!channel) {
      const source = resolve(topic);
      if (!source) return undefined;
      channel = new Channel(topic, source, enqueue);
      channels.set(topic, channel);
    }
    channel.members.add(membership);
    return channel;
  }

  function leave(topic: TopicName, membership: Membership<Subscriber>): void {
    const channel = channels.get(topic);
    if (!channel?.members.delete(membership) || channel.members.size > 0) return;
    channel.stop();
    channels.delete(topic);
  }

  function send({ ws }: Subscriber, message: ServerMessage) {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  function track({ client, topics }: Subscriber, topic: TopicName, membership: Membership<Subscriber>) {
    topics.set(topic, membership);
    adjust(usage.subscriptions, client.address, 1);
    usage.totalSubscriptions++;
  }

  function untrack({ client, topics }: Subscriber, topic: TopicName) {
    const membership = topics.get(topic);
    if (!membership) return;
    leave(topic, membership);
    topics.delete(topic);
    adjust(usage.subscriptions, client.address, -1);
    usage.totalSubscriptions--;
  }

  /** Which limit a new subscription would pass, if any. */
  function overLimit({ client, topics }: Subscriber) {
    return topics.size >= limits.subscriptionsPerSocket ? `${limits.subscriptionsPerSocket} per connection`
      : (usage.subscriptions.get(client.address) ?? 0) >= limits.subscriptionsPerAddress ? `${limits.subscriptionsPerAddress} per client address`
      : usage.totalSubscriptions >= limits.subscriptions ? `${limits.subscriptions} in all`
      : undefined;
  }

  async function subscribe(subscriber: Subscriber, topic: TopicName) {
    const { ws, client, topics } = subscriber;
    if (topics.has(topic)) return;
    // Decided synchronously when it can be, so a subscribe and an unsubscribe keep their order.
    const verdict = authorize(client.identity, topic);
    const refused = () => send(subscriber, { type: "error", message: `not allowed to watch ${topic}` });
    if (verdict === false) return refused();
    if (verdict !== true) {
      if (!(await verdict)) return refused();
      if (topics.has(topic) || ws.readyState !== ws.OPEN) return; // raced with itself, or closed meanwhile
    }
    const limit = overLimit(subscriber);
    if (limit) return send(subscriber, { type: "error", message: `too many subscriptions: at most ${limit}` });
    // Deltas that arrive while the snapshot is read are held back and sent after it, so none is lost.
    const membership: Membership<Subscriber> = { owner: subscriber, held: [] };
    const channel = join(topic, membership);
    if (!channel) return send(subscriber, { type: "error", message: `unknown topic ${topic}` });
    track(subscriber, topic, membership);
    try {
      const frame = await channel.snapshot();
      if (topics.get(topic) !== membership) return; // unsubscribed or closed meanwhile
      sendFrame(subscriber, frame);
      for (const delta of membership.held!) enqueue(subscriber, delta);
      membership.held = undefined;
    } catch (err) {
      log.error({ err, topic }, "realtime snapshot failed");
      untrack(subscriber, topic);
      send(subscriber, { type: "error", message: `could not load ${topic}; subscribe again to retry`, retry: topic });
    }
  }

  // The socket's listeners are shared by every socket (`this` is the socket), not closures made per socket.
  function onMessage(this: WebSocket, raw: RawData, isBinary: boolean) {
    const subscriber = subscribers.get(this);
    if (!subscriber) return;
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(raw.toString());
    } catch {
      parsed = undefined;
    }
    const result = clientMessage.safeParse(parsed);
    if (!result.success) {
      send(subscriber, { type: "error", message: `malformed message: ${result.error.issues[0]?.message ?? "expected JSON"}` });
      return;
    }
    const message = result.data;
    if (message.type === "subscribe") void subscribe(subscriber, message.topic);
    else untrack(subscriber, message.topic);
  }

  function onPong(this: WebSocket) {
    const subscriber = subscribers.get(this);
    if (subscriber) subscriber.alive = true;
  }

  function onClose(this: WebSocket) {
    const subscriber = subscribers.get(this);
    if (!subscriber) return;
    subscribers.delete(this);
    subscriber.queue = [];
    adjust(usage.sockets, subscriber.client.address, -1);
    for (const topic of [...subscriber.topics.keys()]) untrack(subscriber, topic);
  }

  function onError(err: Error) {
    log.debug({ err }, "realtime socket error");
  }

  wss.on("connection", (ws: WebSocket, client: RealtimeClient, socket: Duplex) => {
    subscribers.set(ws, { ws, socket, client, topics: new Map(), queue: [], alive: true });
    adjust(usage.sockets, client.address, 1);
    ws.on("message", onMessage).on("pong", onPong).on("close", onClose).on("error", onError);
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
    for (const subscriber of subscribers.values()) {
      const { ws, client } = subscriber;
      if (!subscriber.alive) ws.terminate();
      else {
        subscriber.alive = false;
        ws.ping();
        void recheck(ws, client);
      }
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    handleUpgrade(req, socket, head, client) {
      if ((usage.sockets.get(client.address) ?? 0) >= limits.socketsPerAddress || subscribers.size >= limits.sockets) {
        socket.end("HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntoo many live connections\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, client, socket));
    },
    accessChanged(change) {
      for (const { ws, client: { identity } } of subscribers.values()) {
        if (change.kind === "sessions.ended" && identity.sessionId && change.sessionIds.includes(identity.sessionId)) ws.close(CLOSE_SIGNED_OUT, "signed out");
        if (change.kind === "token.revoked" && identity.tokenId === change.tokenId) ws.close(CLOSE_SIGNED_OUT, "token revoked");
        if (change.kind === "user.changed" && identity.userId === change.userId) ws.close(CLOSE_ACCESS_CHANGED, "access changed; sign in again");
      }
    },
    clientCount: () => wss.clients.size,
    close() {
      clearInterval(heartbeat);
      if (flushTimer) clearTimeout(flushTimer);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      wss.close();
    },
  };
}
