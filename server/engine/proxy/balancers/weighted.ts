import type { BalancerFactory } from "./balancer";

/**
 * Smooth weighted round-robin (nginx's): every pick adds each endpoint's weight to its running
 * score, takes the highest, and subtracts the total from it. Weights 5:1:1 give a a b a c a a —
 * interleaved, never bursts.
 */
export const weighted: BalancerFactory = (endpoints) => {
  const current = new Float64Array(endpoints.length);
  return {
    pick(request) {
      let total = 0;
      let best = -1;
      for (let i = 0; i < endpoints.length; i++) {
        const endpoint = endpoints[i]!;
        if (endpoint.weight <= 0 || request.excludes(endpoint)) continue;
        current[i]! += endpoint.weight;
        total += endpoint.weight;
        if (best === -1 || current[i]! > current[best]!) best = i;
      }
      if (best === -1) return undefined;
      current[best]! -= total;
      return endpoints[best];
    },
  };
};
