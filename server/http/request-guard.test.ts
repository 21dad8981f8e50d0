import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createRequestGuard, hostnameOf, type GuardOptions } from "./request-guard";

const request = (headers: Record<string, string>, remoteAddress = "127.0.0.1", method = "POST") =>
  ({ method, headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

const guard = (options: Partial<GuardOptions> = {}) => createRequestGuard({ host: "127.0.0.1", publicUrl: undefined, tls: false, trustProxy: [], dev: false, ...options });

describe("request guard", () => {
  it.each([
    ["127.0.0.1:3000", "127.0.0.1"],
    ["LOCALHOST.", "localhost"],
    ["[::1]:3000", "::1"],
    ["gantry.example.com:443", "gantry.example.com"],
    ["evil.example:3000 ", "evil.example"],
    ["a b", undefined],
    ["user@host", undefined],
    ["", undefined],
  ])("reads the hostname of Host %j as %j", (header, hostname) => {
    expect(hostnameOf(header)).toBe(hostname);
  });

  it("allows loopback names and the public URL's host, not a name an attacker controls", () => {
    const local = guard();
    for (const host of ["127.0.0.1:3000", "localhost:3000", "[::1]:3000", "127.0.0.2:3000"]) expect(local.hostAllowed(request({ host }))).toBe(true);
    for (const host of ["evil.example:3000", "127.0.0.1.nip.io:3000", "10.0.0.5:3000", "gantry.example.com"]) expect(local.hostAllowed(request({ host }))).toBe(false);
    expect(local.hostAllowed(request({}))).toBe(false);
    const published = guard({ host: "0.0.0.0", publicUrl: new URL("https://gantry.example.com") });
    expect(published.hostAllowed(request({ host: "gantry.example.com" }))).toBe(true);
    // Bound everywhere, the machine's own IP addresses reach it (an IP can't be rebound).
    expect(published.hostAllowed(request({ host: "10.0.0.5:3000" }))).toBe(true);
    expect(published.hostAllowed(request({ host: "evil.example" }))).toBe(false);
  });

  it("allows only its own origin, or none (non-browser clients), on state changes", () => {
    const g = guard({ publicUrl: new URL("https://gantry.example.com") });
    expect(g.originAllowed(request({ host: "127.0.0.1:3000" }))).toBe(true);
    expect(g.originAllowed(request({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" }))).toBe(true);
    expect(g.originAllowed(request({ host: "127.0.0.1:3000", origin: "https://gantry.example.com" }))).toBe(true);
    for (const origin of ["http://127.0.0.1:3001", "http://evil.example", "null", "file://", "chrome-extension://abc", "http://localhost:3000"]) {
      expect(g.originAllowed(request({ host: "127.0.0.1:3000", origin }))).toBe(false);
    }
  });

  it("believes X-Forwarded-* only from a trusted proxy, taking the nearest untrusted hop", () => {
    const g = guard({ trustProxy: ["10.0.0.1", "10.0.0.2"] });
    const forwarded = { "x-forwarded-for": "198.51.100.9, 203.0.113.7, 10.0.0.2", "x-forwarded-proto": "https" };
    expect(g.clientAddress(request(forwarded, "::ffff:10.0.0.1"))).toBe("203.0.113.7");
    expect(g.isSecure(request(forwarded, "10.0.0.1"))).toBe(true);
    expect(g.clientAddress(request(forwarded, "192.0.2.1"))).toBe("192.0.2.1");
    expect(g.isSecure(request(forwarded, "192.0.2.1"))).toBe(false);
  });
});
