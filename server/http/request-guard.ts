import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { TLSSocket } from "node:tls";
import { CSRF_HEADER } from "../contracts/access";
import { isLoopback } from "../env";

export type GuardOptions = {
  /** The bound address (GANTRY_HOST). */
  host: string;
  publicUrl: URL | undefined;
  /** Serving TLS on this port. */
  tls: boolean;
  /** Reverse proxies whose forwarding headers are believed. */
  trustProxy: string[];
  /** Next's dev server evaluates code at runtime. */
  dev: boolean;
};

export type RequestGuard = ReturnType<typeof createRequestGuard>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const isStateChanging = (req: IncomingMessage) => !SAFE_METHODS.has(req.method ?? "GET");

/** `host[:port]` → lowercase hostname without brackets or a trailing dot; undefined if malformed. */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/i.exec(hostHeader.trim());
  if (!match) return undefined;
  return match[1]!.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
}

const unspecified = (host: string) => host === "0.0.0.0" || host === "::";

/**
 * Checks every request makes before anyone asks who is calling: a Host allowlist (DNS rebinding),
 * an Origin check on state changes and WebSocket upgrades (cross-site requests), and the security
 * headers every answer carries.
 */
export function createRequestGuard(options: GuardOptions) {
  const allowed = new Set(["localhost", "127.0.0.1", "::1"]);
  if (!unspecified(options.host)) allowed.add(options.host.toLowerCase());
  if (options.publicUrl) allowed.add(hostnameOf(options.publicUrl.host)!);
  const trusted = new Set(options.trustProxy);
  const publicOrigin = options.publicUrl?.origin;

  const fromTrustedProxy = (req: IncomingMessage) => trusted.has(normalizeAddress(req.socket.remoteAddress));

  function hostAllowed(hostname: string): boolean {
    if (allowed.has(hostname)) return true;
    // A rebinding attack needs a name the attacker controls; an IP literal can't be rebound. Bound
    // to every interface, the machine's own addresses are how people and probes reach it.
    return isIP(hostname) !== 0 && (unspecified(options.host) || isLoopback(hostname));
  }

  const guard = {
    /** The Host header names this Gantry (DNS rebinding sends an attacker's name). */
    hostAllowed(req: IncomingMessage): boolean {
      const hostname = hostnameOf(req.headers.host);
      return hostname !== undefined && hostAllowed(hostname);
    },

    /**
     * A browser says where a request comes from; it must be this Gantry itself. Non-browser
     * clients (curl, Consul libraries) send no Origin and prove themselves with a token instead.
     */
    originAllowed(req: IncomingMessage): boolean {
      const origin = req.headers.origin;
      if (origin === undefined) return true;
      if (origin === publicOrigin) return true;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false; // includes "null" (sandboxed frames, file: pages)
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") return false;
      const forwardedHost = fromTrustedProxy(req) ? header(req, "x-forwarded-host") : undefined;
      return hostAllowed(hostnameOf(url.host) ?? "") && (url.host === req.headers.host?.toLowerCase() || url.host === forwardedHost?.toLowerCase());
    },

    /** A cookie comes with every request a browser makes; a state change must also carry a header no cross-site form can set. */
    hasCsrfHeader: (req: IncomingMessage) => typeof req.headers[CSRF_HEADER] === "string",

    /** The client's address: the socket's, or — from a trusted proxy — the nearest untrusted hop of X-Forwarded-For. */
    clientAddress(req: IncomingMessage): string {
      const direct = normalizeAddress(req.socket.remoteAddress);
      if (!trusted.has(direct)) return direct;
      const hops = (header(req, "x-forwarded-for") ?? "").split(",").map((hop) => normalizeAddress(hop.trim())).filter(Boolean);
      for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
      return direct;
    },

    /** Reached over TLS, here or at a trusted proxy: cookies get Secure. */
    isSecure(req: IncomingMessage): boolean {
      if ((req.socket as TLSSocket).encrypted) return true;
      return fromTrustedProxy(req) && header(req, "x-forwarded-proto")?.split(",")[0]?.trim() === "https";
    },

    securityHeaders(res: ServerResponse): void {
      res.setHeader("Content-Security-Policy", contentSecurityPolicy(options.dev));
      res.setHeader("X-Frame-Options", "DENY");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Referrer-Policy", "same-origin");
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
      if (options.tls) res.setHeader("Strict-Transport-Security", "max-age=31536000");
    },
  };
  return guard;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Next inlines its bootstrap scripts and styles, so those need 'unsafe-inline' (no nonces on
 * statically rendered pages); everything is same-origin, nothing may frame the dashboard.
 */
function contentSecurityPolicy(dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}
