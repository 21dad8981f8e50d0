import { describe, expect, it } from "vitest";
import { ChunkedTracker } from "./chunked";
import { headEnd, headerValue, HttpParseError, parseRequestHead, parseResponseHead } from "./head";

const request = (text: string) => {
  const buffer = Buffer.from(text, "latin1");
  return parseRequestHead(buffer, headEnd(buffer));
};
const response = (text: string, method = "GET") => {
  const buffer = Buffer.from(text, "latin1");
  return parseResponseHead(buffer, headEnd(buffer), method);
};

describe("request heads", () => {
  it("parses the start line, headers in order and framing", () => {
    const head = request("POST /orders?x=1 HTTP/1.1\r\nHost: shop\r\nContent-Length: 12\r\nX-Trace:  abc \r\n\r\n");
    expect(head).toMatchObject({
      method: "POST",
      target: "/orders?x=1",
      minor: 1,
      host: "shop",
      framing: { kind: "length", length: 12 },
      keepAlive: true,
      forwarded: "Host: shop\r\nContent-Length: 12\r\nX-Trace:  abc \r\n",
    });
    expect(headerValue(head, "x-trace")).toBe("abc");
  });

  it("leaves hop-by-hop headers, those named in Connection, and X-Forwarded-For out of what is forwarded", () => {
    const head = request(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\nX-Secret: s\r\nTE: trailers\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\nX-Request-Id: r1\r\nAccept: */*\r\n\r\n",
    );
    expect(head.forwarded).toBe("Host: a\r\nX-Request-Id: r1\r\nAccept: */*\r\n");
    expect(head).toMatchObject({ forwardedFor: "10.0.0.1, 10.0.0.2", hasRequestId: true, hasForwardedProto: false });
  });

  it("knows keep-alive rules of 1.0 and 1.1, and upgrades", () => {
    expect(request("GET / HTTP/1.0\r\n\r\n").keepAlive).toBe(false);
    expect(request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive).toBe(true);
    expect(request("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keepAlive).toBe(false);
    expect(request("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").upgrade).toBe("websocket");
    expect(request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").upgrade).toBeUndefined();
    expect(request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").framing).toEqual({ kind: "chunked" });
  });

  it.each([
    ["a malformed request line", "GET /\r\nHost: a\r\n\r\n", "malformed request line"],
    ["HTTP/2 on the wire", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "malformed request line"],
    ["no Host on 1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", "missing Host header"],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "more than one Host"],
    ["a header without a colon", "GET / HTTP/1.1\r\nHost: a\r\nBroken\r\n\r\n", "malformed header line"],
    ["a space in a header name", "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", "invalid header name"],
    ["line folding", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  b\r\n\r\n", "obsolete line folding"],
    ["a NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", "stray CR, LF or NUL"],
    ["a bare LF splitting a header", "GET / HTTP/1.1\r\nHost: a\r\nX: a\nInjected: b\r\n\r\n", "stray CR, LF or NUL"],
    ["a non-numeric length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12abc\r\n\r\n", "invalid Content-Length"],
    ["a negative length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"],
    ["conflicting lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting Content-Length"],
    ["CL and TE together (smuggling)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "both Transfer-Encoding and Content-Length"],
    ["an unknown coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding"],
  ])("refuses %s", (_what, text, message) => {
    expect(() => request(text)).toThrow(HttpParseError);
    expect(() => request(text)).toThrow(message);
  });

  it("finds the end of a head only once it has arrived", () => {
    expect(headEnd(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n"))).toBe(-1);
    expect(headEnd(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"))).toBe(27);
  });
});

describe("response heads", () => {
  it("frames bodies by length, chunking, or connection close", () => {
    expect(response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")).toMatchObject({ status: 200, reason: "OK", framing: { kind: "length", length: 5 }, closes: false });
    expect(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing).toEqual({ kind: "chunked" });
    expect(response("HTTP/1.1 200 OK\r\n\r\n")).toMatchObject({ framing: { kind: "close" }, closes: true });
    expect(response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n").closes).toBe(true);
    expect(response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n").closes).toBe(true);
  });

  it("knows which responses have no body", () => {
    expect(response("HTTP/1.1 204 No Content\r\n\r\n").framing).toEqual({ kind: "none" });
    expect(response("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").framing).toEqual({ kind: "none" });
    expect(response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD").framing).toEqual({ kind: "none" });
    expect(response("HTTP/1.1 100 Continue\r\n\r\n").framing).toEqual({ kind: "none" });
  });

  it("forwards response headers except hop-by-hop ones", () => {
    const head = response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-App: 1\r\n\r\n");
    expect(head.forwarded).toBe("Content-Length: 2\r\nX-App: 1\r\n");
  });
});

describe("ChunkedTracker", () => {
  const body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";

  it("finds the end of a chunked body fed in one piece or byte by byte, and yields the payload", () => {
    const whole = Buffer.from(`${body}NEXT`);
    const payload: string[] = [];
    const tracker = new ChunkedTracker();
    expect(tracker.feed(whole, 0, (from, to) => payload.push(whole.toString("latin1", from, to)))).toBe(body.length);
    expect(payload.join("")).toBe("Wikipedia in\r\n\r\nchunks.");

    const bytewise = new ChunkedTracker();
    let end = -1;
    for (let i = 0; i < body.length && end === -1; i++) end = bytewise.feed(Buffer.from(body[i]!), 0);
    expect(end).toBe(1);
    expect(bytewise.done).toBe(true);
  });

  it.each([
    ["a non-hex size", "zz\r\n"],
    ["data longer than its size", "2\r\nabc\r\n"],
    ["a missing LF", "2\rxx"],
    ["an absurd size", "1234567890abcd\r\n"],
  ])("refuses %s", (_what, text) => {
    expect(() => new ChunkedTracker().feed(Buffer.from(text), 0)).toThrow(HttpParseError);
  });
});
