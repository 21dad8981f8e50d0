import type { BalancerFactory } from "./balancer";

export const roundRobin: BalancerFactory = (endpoints) => {
  let next = 0;
  return {
    pick(request) {
      const n = endpoints.length;
      for (let tries = 0; tries < n; tries++) {
        const endpoint = endpoints[next]!;
        next = next + 1 === n ? 0 : next + 1;
        if (!request.excludes(endpoint)) return endpoint;
      }
      return undefined;
    },
  };
};
