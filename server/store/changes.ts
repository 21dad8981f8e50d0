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
  | { type: "registrations" }
  /** A stored row that no longer reads was skipped (see row-guard.ts). */
  | { type: "unreadable-row"; table: string; id: string; name: string; reason: string }
  /** Someone's access ended or changed: caches forget it, live sockets close. */
  | { type: "access"; change: AccessChange };

export type AccessChange =
  | { kind: "sessions.ended"; sessionIds: string[] }
  /** Role, grants, password or status changed, or the user is gone; their sessions were ended with it. */
  | { kind: "user.changed"; userId: string }
  | { kind: "token.revoked"; tokenId: string };

export type ChangeFeed = Feed<Change>;
