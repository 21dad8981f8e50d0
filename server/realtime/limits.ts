/** Subscriptions a socket, a client address, and all sockets together may hold; sockets per address and in all. */
export type RealtimeLimits = { subscriptionsPerSocket: number; subscriptionsPerAddress: number; subscriptions: number; socketsPerAddress: number; sockets: number };

/**
 * A dashboard holds tens of subscriptions; a whole team behind one NAT, a few thousand. All but the
 * per-socket cap can be raised with GANTRY_REALTIME_* (server/env.ts).
 */
export const defaultRealtimeLimits: RealtimeLimits = { subscriptionsPerSocket: 200, subscriptionsPerAddress: 6000, subscriptions: 20_000, socketsPerAddress: 256, sockets: 4096 };
