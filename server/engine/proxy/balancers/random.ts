import type { BalancerFactory } from "./balancer";

export const random: BalancerFactory = (endpoints) => ({
  pick(request) {
    const n = endpoints.length;
    const start = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++) {
      const endpoint = endpoints[(start + i) % n]!;
      if (!request.excludes(endpoint)) return endpoint;
    }
    return undefined;
  },
});
