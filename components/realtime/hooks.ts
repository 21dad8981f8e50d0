"use client";

import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { CatalogEntry } from "@/server/contracts/catalog";
import type { GantryEvent } from "@/server/contracts/event";
import type { Instance } from "@/server/contracts/instance";
import type { Rollout } from "@/server/contracts/rollout";
import type { CatalogDelta, InstancesDelta, TopicName, TopologyDelta, TopologySnapshot } from "@/server/contracts/realtime";
import { realtime, type ConnectionStatus } from "./connection";
import { TopicFolds, type TopicFold } from "./topic-folds";

let folds: TopicFolds | undefined;

/**
 * State of a live topic: undefined until the first snapshot, then folded with every delta. Views
 * that pass the same fold (a module-level constant, not one made per render) share one state.
 */
export function useTopic<T extends TopicName, S>(topic: T, fold: TopicFold<T, S>): S | undefined {
  folds ??= new TopicFolds(realtime());
  const shared = folds;
  const read = useCallback((changed: () => void) => shared.read(topic, fold, changed), [shared, topic, fold]);
  return useSyncExternalStore(read, () => shared.current(topic, fold), nothingOnTheServer);
}

const nothingOnTheServer = () => undefined;

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

const topologyFold: TopicFold<"topology", TopologySnapshot> = { fromSnapshot: identity, applyDelta: applyTopologyDelta };
/** Services and dependency edges, kept current by the server. */
export const useTopology = () => useTopic("topology", topologyFold);

const EVENT_WINDOW = 500;

export function prependEvent(events: GantryEvent[], event: GantryEvent): GantryEvent[] {
  if (events.some((e) => e.id === event.id)) return events;
  return [event, ...events].slice(0, EVENT_WINDOW);
}

/** The newest events, live. */
const eventsFold: TopicFold<"events", GantryEvent[]> = { fromSnapshot: identity, applyDelta: prependEvent };
export const useLiveEvents = () => useTopic("events", eventsFold);

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
const instancesFold: TopicFold<"instances", Instance[]> = { fromSnapshot: identity, applyDelta: applyInstancesDelta };
export const useInstances = () => useTopic("instances", instancesFold);

export function applyCatalogDelta(state: CatalogEntry[], delta: CatalogDelta): CatalogEntry[] {
  const rest = state.filter((e) => e.id !== (delta.kind === "upserted" ? delta.entry.id : delta.id));
  return delta.kind === "upserted" ? [...rest, delta.entry].sort((a, b) => a.id.localeCompare(b.id)) : rest;
}

/** The discovery catalog, live: every endpoint with its checks. */
const catalogFold: TopicFold<"catalog", CatalogEntry[]> = { fromSnapshot: identity, applyDelta: applyCatalogDelta };
export const useCatalog = () => useTopic("catalog", catalogFold);

/** Keeps each service's newest rollout; a change to an older one (superseded) doesn't replace it. */
export function applyRolloutDelta(state: Rollout[], delta: Rollout): Rollout[] {
  const current = state.find((r) => r.serviceId === delta.serviceId);
  if (current && current.id !== delta.id && current.startedAt > delta.startedAt) return state;
  return [...state.filter((r) => r.serviceId !== delta.serviceId), delta];
}

/** Each service's newest rollout, live. */
const rolloutsFold: TopicFold<"rollouts", Rollout[]> = { fromSnapshot: identity, applyDelta: applyRolloutDelta };
export const useRollouts = () => useTopic("rollouts", rolloutsFold);
