import type { IngressRoute } from "./types";

export type RouteMatch = { serviceId: string; path: string };

function hostMatches(pattern: string | null, host: string): number {
  if (pattern === null) return 1;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 ? 2 : 0;
  return pattern === host ? 3 : 0;
}

/** `/api` covers `/api`, `/api/users` and `/api?x`, but not `/apis`. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/" || path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  if (prefix.endsWith("/")) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

/**
 * Picks the ingress route for a request: the longest matching path prefix wins; among equals, an
 * exact host beats a wildcard, which beats "any host". Returns the rewritten path too.
 */
export function matchRoute(routes: readonly IngressRoute[], hostHeader: string | undefined, target: string): RouteMatch | undefined {
  const host = (hostHeader ?? "").replace(/:\d+$/, "").toLowerCase();
  let best: IngressRoute | undefined;
  let bestHost = 0;
  for (const route of routes) {
    const hostScore = hostMatches(route.host, host);
    if (hostScore === 0 || !prefixMatches(route.pathPrefix, target)) continue;
    if (!best || route.pathPrefix.length > best.pathPrefix.length || (route.pathPrefix.length === best.pathPrefix.length && hostScore > bestHost)) {
      best = route;
      bestHost = hostScore;
    }
  }
  if (!best) return undefined;
  if (!best.stripPrefix || best.pathPrefix === "/") return { serviceId: best.serviceId, path: target };
  const stripped = target.slice(best.pathPrefix.replace(/\/$/, "").length);
  return { serviceId: best.serviceId, path: stripped.startsWith("/") ? stripped : `/${stripped}` };
}
