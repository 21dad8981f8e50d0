import type { BalancerFactory, Endpoint, HashOn, PickRequest } from "./balancer";

const POINTS_PER_WEIGHT = 100;

/** FNV-1a with murmur3's finaliser: fast, and well spread even for similar keys. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function keyOf(request: PickRequest, hashOn: HashOn): string {
  if (hashOn.kind === "header") return request.header(hashOn.name.toLowerCase()) ?? request.clientIp;
  if (hashOn.kind === "cookie") return cookieValue(request.header("cookie"), hashOn.name) ?? request.clientIp;
  return request.clientIp;
}

/**
 * Consistent hashing on a ring of points (100 per unit of weight, placed by instance id): the
 * same key keeps landing on the same instance, and an instance joining or leaving moves only
 * the keys that were or become its own.
 */
export const ringHash: BalancerFactory = (endpoints, settings) => {
  const points: Array<{ at: number; endpoint: Endpoint }> = [];
  for (const endpoint of endpoints) {
    const count = Math.max(1, Math.round(POINTS_PER_WEIGHT * endpoint.weight));
    for (let i = 0; i < count; i++) points.push({ at: hash32(`${endpoint.id}#${i}`), endpoint });
  }
  points.sort((a, b) => a.at - b.at);
  return {
    pick(request) {
      if (points.length === 0) return undefined;
      const target = hash32(keyOf(request, settings.hashOn));
      let low = 0;
      let high = points.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (points[mid]!.at < target) low = mid + 1;
        else high = mid;
      }
      // Walk on from the key's place to the first endpoint not ruled out.
      for (let i = 0; i < points.length; i++) {
        const endpoint = points[(low + i) % points.length]!.endpoint;
        if (!request.excludes(endpoint)) return endpoint;
      }
      return undefined;
    },
  };
};
