import type { BalancerFactory, Endpoint, PickRequest } from "./balancer";

/** Power of two choices: of two endpoints picked at random, the one with fewer requests in flight. */
export const leastRequest: BalancerFactory = (endpoints) => ({
  pick(request) {
    const n = endpoints.length;
    if (n === 0) return undefined;
    const a = firstUsable(endpoints, Math.floor(Math.random() * n), request);
    if (!a) return undefined;
    const offset = 1 + Math.floor(Math.random() * Math.max(1, n - 1));
    const b = firstUsable(endpoints, (endpoints.indexOf(a) + offset) % n, request);
    if (!b || b === a) return a;
    return b.active < a.active ? b : a;
  },
});

function firstUsable(endpoints: readonly Endpoint[], start: number, request: PickRequest): Endpoint | undefined {
  const n = endpoints.length;
  for (let i = 0; i < n; i++) {
    const endpoint = endpoints[(start + i) % n]!;
    if (!request.excludes(endpoint)) return endpoint;
  }
  return undefined;
}
