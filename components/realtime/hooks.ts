"use client";

import { useEffect, useState } from "react";
import type { CatalogEntry } from "@/server/contracts/catalog";
import type { GantryEvent } from "@/server/contracts/event";
import type { Instance } from "@/server/contracts/instance";
import type { Rollout } from "@/server/contracts/rollout";
import type { CatalogDelta, InstancesDelta, TopicName, TopicTypes, TopologyDelta, TopologySnapshot } from "@/server/contracts/realtime";
import { realtime, type ConnectionStatus } from "./connection";

/** State of a live topic: undefined until the first snapshot, then folded with every delta. */
export function useTopic<T extends TopicName, S>(
  topic: T,
  fromSnapshot: (snapshot: TopicTypes[T]["snapshot"]) => S,
  applyDelta: (state: S, delta: TopicTypes[T]["delta"]) => S,
): S | undefined {
  const [state, setState] = useState<S>();
  useEffect(
    () =>
      realtime().subscribe(topic, {
        snapshot: (snapshot) => setState(fromSnapshot(snapshot)),
        delta: (delta) => setState((current) => (current === undefined ? current : applyDelta(current, delta))),
      }),
    [topic, fromSnapshot, applyDelta],
  );
  return state;
}

export function useConnectionStatus(): ConnectionStatus {
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  useEffect(() => {
    setStatus(realtime().status);
    return realtime().onStatus(setStatus);
  }, []);
  return status;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

export function applyTopologyDelta(state: TopologySnapshot, delta: TopologyDelta): TopologySnapshot {
  switch (delta.kind) {
    case "service.upserted":
      return {
        ...state,
        services: [...state.services.filter((s) => s.id !== delta.service.id), delta.service].sort(byName),
      };
    case "service.removed":
      return { ...state, services: state.services.filter((s) => s.id !== delta.id) };
    case "dependency.upserted":
      return {
        ...state,
        dependencies: [...state.dependencies.filter((d) => d.id !== delta.dependency.id), delta.dependency],
      };
    case "dependency.removed":
      return { ...state, dependencies: state.dependencies.filter((d) => d.id !== delta.id) };
  }
}

const identity = <T,>(value: T) => value;

/** Services and dependency edges, kept current by the server. */
export const useTopology = () => useTopic("topology", identity<TopologySnapshot>, applyTopologyDelta);

const EVENT_WINDOW = 500;

export function prependEvent(events: GantryEvent[], event: GantryEvent): GantryEvent[] {
  if (events.some((e) => e.id === event.id)) return events;
  return [event, ...events].slice(0, EVENT_WINDOW);
}

/** The newest events, live. */
export const useLiveEvents = () => useTopic("events", identity<GantryEvent[]>, prependEvent);

export function applyInstancesDelta(state: Instance[], delta: InstancesDelta): Instance[] {
  switch (delta.kind) {
    case "instance.upserted": {
      const index = state.findIndex((i) => i.id === delta.instance.id);
      if (index === -1) return [...state, delta.instance].sort((a, b) => a.id.localeCompare(b.id));
      const next = [...state];
      next[index] = delta.instance;
      return next;
    }
    case "instance.removed":
      return state.filter((i) => i.id !== delta.id);
    case "usage": {
      const samples = new Map(delta.samples.map((s) => [s.id, s]));
      return state.map((i) => {
        const sample = samples.get(i.id);
        if (!sample) return i;
        const fresh = sample.probes;
        const probes = fresh ? i.probes.map((p) => (fresh[p.type] ? { ...p, last: fresh[p.type]! } : p)) : i.probes;
        return { ...i, cpuPercent: sample.cpuPercent, memoryBytes: sample.memoryBytes, probes };
      });
    }
  }
}

/** Every instance Gantry runs, with live phase and usage. */
export const useInstances = () => useTopic("instances", identity<Instance[]>, applyInstancesDelta);

export function applyCatalogDelta(state: CatalogEntry[], delta: CatalogDelta): CatalogEntry[] {
  const rest = state.filter((e) => e.id !== (delta.kind === "upserted" ? delta.entry.id : delta.id));
  return delta.kind === "upserted" ? [...rest, delta.entry].sort((a, b) => a.id.localeCompare(b.id)) : rest;
}

/** The discovery catalog, live: every endpoint with its checks. */
export const useCatalog = () => useTopic("catalog", identity<CatalogEntry[]>, applyCatalogDelta);

/** Keeps each service's newest rollout; a change to an older one (superseded) doesn't replace it. */
export function applyRolloutDelta(state: Rollout[], delta: Rollout): Rollout[] {
  const current = state.find((r) => r.serviceId === delta.serviceId);
  if (current && current.id !== delta.id && current.startedAt > delta.startedAt) return state;
  return [...state.filter((r) => r.serviceId !== delta.serviceId), delta];
}

/** Each service's newest rollout, live. */
export const useRollouts = () => useTopic("rollouts", identity<Rollout[]>, applyRolloutDelta);
