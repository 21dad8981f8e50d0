"use client";

import { CLOSE_ACCESS_CHANGED, CLOSE_SIGNED_OUT } from "@/server/contracts/access";
import type { ServerMessage, TopicMessage, TopicName, TopicTypes } from "@/server/contracts/realtime";
import { sessionLost } from "../access/session-state";

export type ConnectionStatus = "connecting" | "live" | "offline";

type TopicListener<T extends TopicName = TopicName> = {
  snapshot(data: TopicTypes[T]["snapshot"]): void;
  delta(data: TopicTypes[T]["delta"]): void;
};

const RETRY_SNAPSHOT_MS = 3000;

/**
 * One WebSocket per tab, shared by every live view. Subscriptions survive reconnects: after a drop
 * each topic is subscribed again and its listeners get a fresh snapshot, so nothing drifts.
 */
class RealtimeConnection {
  private ws: WebSocket | undefined;
  private readonly topics = new Map<TopicName, Set<TopicListener>>();
  /** Topics whose snapshot has arrived since they were last (re)subscribed. */
  private readonly snapshotted = new Set<TopicName>();
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  status: ConnectionStatus = "connecting";

  subscribe<T extends TopicName>(topic: T, listener: TopicListener<T>): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
      this.send({ type: "subscribe", topic });
    } else if (this.snapshotted.delete(topic)) {
      // A late listener needs a snapshot too: ask again, and everyone starts over from the new one.
      this.send({ type: "unsubscribe", topic });
      this.send({ type: "subscribe", topic });
    }
    listeners.add(listener as TopicListener);
    this.ensureConnected();
    return () => {
      listeners.delete(listener as TopicListener);
      if (listeners.size === 0) {
        this.topics.delete(topic);
        this.snapshotted.delete(topic);
        this.send({ type: "unsubscribe", topic });
      }
    };
  }

  /** Connects again now (after signing in), instead of waiting out the backoff. */
  reconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.attempt = 0;
    if (this.ws) return;
    if (this.topics.size > 0) this.ensureConnected();
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: ConnectionStatus) {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private send(message: { type: "subscribe" | "unsubscribe"; topic: TopicName }) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private ensureConnected() {
    if (this.ws || this.reconnectTimer) return;
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws`);
    const openedAt = performance.now();
    this.ws = ws;
    this.setStatus("connecting");
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus("live");
      this.snapshotted.clear();
      for (const topic of this.topics.keys()) this.send({ type: "subscribe", topic });
    };
    ws.onmessage = (event) => this.dispatch(JSON.parse(String(event.data)) as ServerMessage);
    ws.onclose = (event) => {
      this.ws = undefined;
      this.setStatus("offline");
      if (event.code === CLOSE_SIGNED_OUT) sessionLost("You were signed out.", openedAt);
      if (event.code === CLOSE_ACCESS_CHANGED) sessionLost("Your access was changed by an admin.", openedAt);
      if (this.topics.size === 0) return;
      // Exponential backoff with jitter, so a restarted Gantry isn't hit by every tab at once.
      const delay = Math.min(10_000, 500 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.ensureConnected();
      }, delay);
    };
  }

  private dispatch(message: ServerMessage) {
    if (message.type === "batch") message.messages.forEach((m) => this.deliver(m));
    else if (message.type === "error") {
      console.warn("gantry realtime:", message.message);
      if (message.retry) this.retryLater(message.retry);
    }
    else this.deliver(message);
  }

  /** A snapshot the server could not load: ask again in a while, as long as someone still listens. */
  private retryLater(topic: TopicName) {
    setTimeout(() => {
      if (this.topics.has(topic) && !this.snapshotted.has(topic)) this.send({ type: "subscribe", topic });
    }, RETRY_SNAPSHOT_MS);
  }

  private deliver(message: TopicMessage) {
    if (message.type === "snapshot") this.snapshotted.add(message.topic);
    for (const listener of this.topics.get(message.topic) ?? []) {
      if (message.type === "snapshot") listener.snapshot(message.data as never);
      else listener.delta(message.data as never);
    }
  }
}

let shared: RealtimeConnection | undefined;

export function realtime(): RealtimeConnection {
  shared ??= new RealtimeConnection();
  return shared;
}
