import type { GantryEvent } from "../contracts/event";
import type { TopologyDelta } from "../contracts/realtime";
import type { Rollout } from "../contracts/rollout";
import type { Feed } from "../lib/feed";

/** What committed: the realtime gateway and the engine listen to this. Published only after commit. */
export type Change =
  | { type: "event"; event: GantryEvent }
  | { type: "topology"; delta: TopologyDelta }
  /** A rollout began, moved, or ended. */
  | { type: "rollout"; rollout: Rollout }
  /** External registrations changed (Consul agent API). */
  | { type: "registrations" };

export type ChangeFeed = Feed<Change>;
