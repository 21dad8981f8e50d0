import WebSocket from "ws";
import type { ServerMessage, TopicMessage, TopicName, TopicTypes } from "../contracts/realtime";
import type { Credentials } from "./credentials";
import { CliError, ExitCode } from "./exit-codes";

export type TopicListener<T extends TopicName = TopicName> = {
  snapshot(data: TopicTypes[T]["snapshot"]): void;
  delta(data: TopicTypes[T]["delta"]): void;
};

export type Realtime = {
  subscribe<T extends TopicName>(topic: T, listener: TopicListener<T>): () => void;
  /** Rejects when the socket can't be (re)opened for good: bad token, unreachable server. */
  readonly failed: Promise<never>;
  close(): void;
};

const MAX_RETRIES = 6;

/**
 * Gantry's WebSocket (`/api/ws`) for a terminal: Bearer token in the upgrade, topics subscribed
 * again after a drop (each then starts over from a fresh snapshot), and a failure to connect
 * surfaced as a CliError so the command exits with the right code.
 */
export function connectRealtime({ url, token }: Credentials): Realtime {
  const topics = new Map<TopicName, Set<TopicListener>>();
  let ws: WebSocket | undefined;
  let closed = false;
  let attempt = 0;
  let everOpened = false;
  let reject!: (err: CliError) => void;
  const failed = new Promise<never>((_, rejectWith) => (reject = rejectWith));
  failed.catch(() => undefined);
  const fail = (err: CliError) => {
    closed = true;
    ws?.terminate();
    reject(err);
  };

  const send = (message: { type: "subscribe" | "unsubscribe"; topic: TopicName }) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };

  const deliver = (message: TopicMessage) => {
    for (const listener of topics.get(message.topic) ?? []) {
      if (message.type === "snapshot") listener.snapshot(message.data as never);
      else listener.delta(message.data as never);
    }
  };

  function open() {
    const socket = new WebSocket(`${url.replace(/^http/, "ws")}/api/ws`, { headers: { authorization: `Bearer ${token}` } });
    ws = socket;
    socket.on("open", () => {
      attempt = 0;
      everOpened = true;
      for (const topic of topics.keys()) send({ type: "subscribe", topic });
    });
    socket.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as ServerMessage;
      if (message.type === "batch") message.messages.forEach(deliver);
      else if (message.type === "error") {
        if (message.retry) setTimeout(() => topics.has(message.retry!) && send({ type: "subscribe", topic: message.retry! }), 2000);
        else fail(new CliError(ExitCode.usage, `Gantry refused a subscription: ${message.message}`));
      } else deliver(message);
    });
    socket.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      socket.terminate();
      if (status === 401 || status === 403) fail(new CliError(ExitCode.unauthorized, `Gantry refused the token on its WebSocket (${status}): set GANTRY_TOKEN or run \`gantry login\``));
      else fail(new CliError(ExitCode.unreachable, `Gantry's WebSocket answered ${status}`));
    });
    socket.on("error", () => undefined);
    socket.on("close", (code) => {
      if (ws === socket) ws = undefined;
      if (closed) return;
      if (!everOpened) return fail(new CliError(ExitCode.unreachable, `can't reach Gantry's WebSocket at ${url}`));
      if (attempt >= MAX_RETRIES) return fail(new CliError(ExitCode.unreachable, `lost Gantry's WebSocket at ${url} (close code ${code}) and could not reconnect`));
      const delay = Math.min(5000, 250 * 2 ** attempt++);
      setTimeout(() => !closed && open(), delay);
    });
  }
  open();

  return {
    failed,
    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (!listeners) topics.set(topic, (listeners = new Set()));
      listeners.add(listener as TopicListener);
      if (listeners.size === 1) send({ type: "subscribe", topic });
      return () => {
        listeners.delete(listener as TopicListener);
        if (listeners.size > 0) return;
        topics.delete(topic);
        send({ type: "unsubscribe", topic });
      };
    },
    close() {
      closed = true;
      ws?.close();
    },
  };
}
