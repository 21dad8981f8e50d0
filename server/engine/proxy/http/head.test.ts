import { describe, expect, it } from "vitest";
import { checkPartialHead, headEnd, headerValue, HttpParseError, parseRequestHead, parseResponseHead } from "./head";

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
      contentLength: 12,
      keepAlive: true,
      // Host and Content-Length are written by the proxy itself.
      forwarded: "X-Trace:  abc \r\n",
    });
    expect(headerValue(head, "x-trace")).toBe("abc");
  });

  it("leaves hop-by-hop headers, those named in Connection, and X-Forwarded-For out of what is forwarded", () => {
    const head = request(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\nX-Secret: s\r\nTE: trailers\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\nX-Request-Id: r1\r\nAccept: */*\r\n\r\n",
    );
    expect(head.forwarded).toBe("X-Request-Id: r1\r\nAccept: */*\r\n");
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
    ["a NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", "stray CR or LF, or a control character"],
    ["a bare LF splitting a header", "GET / HTTP/1.1\r\nHost: a\r\nX: a\nInjected: b\r\n\r\n", "stray CR or LF, or a control character"],
    ["a bare CR splitting a header", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rInjected: b\r\n\r\n", "stray CR or LF, or a control character"],
    ["a control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", "stray CR or LF, or a control character"],
    ["DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", "stray CR or LF, or a control character"],
    ["whitespace before a colon", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", "invalid header name"],
    ["an empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", "invalid header name"],
    ["folding a Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 'unsupported Transfer-Encoding ""'],
    ["two spaces after the method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request line"],
    ["a tab for a space", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request line"],
    ["a space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "malformed request line"],
    ["a lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", "malformed request line"],
    ["an empty line before the request line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request line"],
    ["a tab in the target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request line"],
    ["a non-ASCII byte in the target", "GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request line"],
    ["a relative target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", "unsupported request target"],
    ["authority form (CONNECT)", "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n", "unsupported request target"],
    ["* for a method other than OPTIONS", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", "unsupported request target"],
    ["a scheme other than http(s)", "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", "unsupported request target"],
    ["userinfo in an absolute target", "GET http://admin@internal/ HTTP/1.1\r\nHost: a\r\n\r\n", "invalid host"],
    ["a path in Host", "GET / HTTP/1.1\r\nHost: a/../admin\r\n\r\n", "invalid host"],
    ["a space in Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "invalid host"],
    ["a non-numeric length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12abc\r\n\r\n", "invalid Content-Length"],
    ["a negative length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"],
    ["a signed length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", "invalid Content-Length"],
    ["a length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", "invalid Content-Length"],
    ["a length padded with a no-break space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\xa0\r\n\r\n", "invalid Content-Length"],
    ["an empty length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", "invalid Content-Length"],
    // Node's parser allows SP after a framing field's value, not HTAB: the two must agree on framing.
    ["a length followed by HTAB", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 \t\r\n\r\n", "invalid Content-Length"],
    ["chunked followed by HTAB", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n", "unsupported Transfer-Encoding"],
    ["conflicting lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "more than one Content-Length"],
    ["a repeated equal length (Node's parser refuses it too)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX: 1\r\nContent-Length:\t5 \r\n\r\n", "more than one Content-Length"],
    ["CL and TE together (smuggling)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "both Transfer-Encoding and Content-Length"],
    ["an unknown coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding"],
    ["chunked not last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "unsupported Transfer-Encoding"],
    ["chunked twice in one field", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", "unsupported Transfer-Encoding"],
    ["chunked in two fields", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "unsupported Transfer-Encoding"],
    ["an empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", "unsupported Transfer-Encoding"],
    ["chunked padded with a no-break space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\xa0\r\n\r\n", "unsupported Transfer-Encoding"],
    ["Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding in an HTTP/1.0 request"],
  ])("refuses %s", (_what, text, message) => {
    expect(() => request(text)).toThrow(HttpParseError);
    expect(() => request(text)).toThrow(message);
  });

  it("reduces an absolute-form target to origin form, its authority replacing Host", () => {
    expect(request("GET http://shop.example:8080/orders?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n")).toMatchObject({ target: "/orders?x=1", host: "shop.example:8080" });
    expect(request("GET HTTP://shop.example HTTP/1.1\r\nHost: shop.example\r\n\r\n")).toMatchObject({ target: "/", host: "shop.example" });
    expect(request("GET https://[::1]:8443?q HTTP/1.1\r\nHost: x\r\n\r\n")).toMatchObject({ target: "/?q", host: "[::1]:8443" });
    expect(request("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").target).toBe("*");
  });

  it("trims only SP and HTAB, and forwards no framing or Host lines", () => {
    const head = request("POST / HTTP/1.1\r\nHost: a\r\nX: 1\r\nContent-Length:\t5 \r\nConnection: content-length, host\r\n\r\n");
    expect(head).toMatchObject({ framing: { kind: "length", length: 5 }, contentLength: 5, host: "a", forwarded: "X: 1\r\n" });
    expect(request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ framing: { kind: "none" }, contentLength: 0 });
    expect(request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n")).toMatchObject({ framing: { kind: "chunked" }, contentLength: -1, forwarded: "" });
  });

  it("refuses a head still arriving as soon as it breaks the rules, not after the head timeout", () => {
    const partial = (text: string, from = 0) => () => checkPartialHead(Buffer.from(text, "latin1"), from);
    const checkedUpToCr = "GET / HTTP/1.1\r\nHost: a\r".length;
    expect(partial("GET / HTTP/1.1\r\nHost: a\r")).not.toThrow(); // its LF may come next
    expect(partial("GET / HTTP/1.1\r\nHost: a\r\n", checkedUpToCr)).not.toThrow();
    expect(partial("GET / HTTP/1.1\r\nHost: a\rX", checkedUpToCr)).toThrow("stray CR or LF");
    expect(partial("GET / HTTP/1.1\r\nHost: a\r\n\n", checkedUpToCr + 1)).toThrow("stray CR or LF");
    expect(partial("GET / HTTP/1.1\nHost: a")).toThrow("stray CR or LF");
    expect(partial("GET / HTTP/1.1\r\nX: \0")).toThrow("stray CR or LF");
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
    const head = response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-App: 1\r\nHost: kept\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
    expect(head).toMatchObject({ contentLength: 2, forwarded: "X-App: 1\r\nHost: kept\r\nX-Forwarded-For: 10.0.0.1\r\n" });
    expect(response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD")).toMatchObject({ framing: { kind: "none" }, contentLength: 10 });
  });

  it.each([
    ["whitespace before a colon", "HTTP/1.1 200 OK\r\nContent-Length : 6\r\n\r\n", "invalid header name"],
    ["a bare LF", "HTTP/1.1 200 OK\r\nX: 1\nContent-Length: 6\r\n\r\n", "stray CR or LF"],
    ["line folding", "HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", "obsolete line folding"],
    ["conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "more than one Content-Length"],
    ["CL and TE together", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "both Transfer-Encoding and Content-Length"],
    ["chunked on HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding in an HTTP/1.0 response"],
    ["an unknown coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding"],
    ["status 099 (would pass for an interim response)", "HTTP/1.1 099 Odd\r\n\r\n", "malformed status line"],
    ["status 600", "HTTP/1.1 600 Odd\r\n\r\n", "malformed status line"],
    ["a control character in the reason", "HTTP/1.1 200 O\x0bK\r\n\r\n", "stray CR or LF, or a control character"],
    // Node's parser refuses the final response after these.
    ["an interim response that closes the connection", "HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\n", "interim 100 response that closes the connection"],
    ["an HTTP/1.0 interim response", "HTTP/1.0 103 Early Hints\r\nLink: </a.css>\r\n\r\n", "interim 103 response that closes the connection"],
  ])("refuses a response with %s", (_what, text, message) => {
    expect(() => response(text)).toThrow(HttpParseError);
    expect(() => response(text)).toThrow(message);
  });
});
