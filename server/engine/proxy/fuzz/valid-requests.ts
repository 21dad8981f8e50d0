import type { Prng } from "./prng";

/**
 * Valid HTTP/1.x requests, as latin1 text, in the shapes clients send: every method the proxy
 * relays, origin/absolute/asterisk targets, HTTP/1.0 and 1.1, bodies framed by Content-Length or
 * chunked (with extensions and trailers), and pipelined pairs. Mutations start from these, so
 * most fuzz inputs are nearly right — the inputs where parsers disagree. Bodies serve responses
 * too (valid-responses.ts).
 */

const BODILESS_METHODS = ["GET", "HEAD", "DELETE", "OPTIONS"] as const;
const BODY_METHODS = ["POST", "PUT", "PATCH"] as const;
const PATHS = ["/", "/orders", "/api/orders/7?expand=items&q=a%20b", "/a/b/c.json", "/search?q=%E2%9C%93&page=2", "/x;v=1/y", "/~user/", `/${"long/".repeat(40)}`];
const HOSTS = ["shop.example", "api.internal:8080", "127.0.0.1", "[::1]:3000"];

/** Optional header lines, each valid on its own; some are hop-by-hop (the proxy must drop them). */
const OPTIONAL_HEADERS: ReadonlyArray<(rng: Prng) => string> = [
  () => "Accept: */*",
  () => "User-Agent: fuzz/1.0 (+https://gantry.example)",
  (rng) => `X-Trace: ${rng.below(1e9).toString(16)}`,
  () => "Cookie: session=abc123; theme=dark",
  () => "Accept-Encoding: gzip, br",
  () => "X-Forwarded-For: 10.0.0.1",
  () => "X-Request-Id: fuzz-1",
  () => "Cache-Control: no-cache",
  () => "X-Empty:",
  () => "X-Latin1: caf\xe9",
  () => "X-Padded: \t spaced \t",
  () => "Keep-Alive: timeout=5",
  () => "TE: trailers",
  () => "Connection: keep-alive, X-Hop",
  () => "X-Hop: dropped",
];

/** Body bytes: mostly text, sometimes any byte at all (bodies are opaque to the proxy). */
export function payload(rng: Prng, length: number): string {
  let text = "";
  const binary = rng.chance(0.3);
  for (let i = 0; i < length; i++) text += String.fromCharCode(binary ? rng.below(256) : rng.between(0x20, 0x7e));
  return text;
}

function hexSize(rng: Prng, size: number): string {
  const hex = size.toString(16);
  const cased = rng.chance(0.3) ? hex.toUpperCase() : hex;
  return rng.chance(0.1) ? `00${cased}` : cased;
}

function chunkExtension(rng: Prng): string {
  const name = rng.pick(["ext", "name", "x-sig", "a"]);
  // No whitespace around `;` or `=`: RFC 9112 allows it, Node's parser (and so the proxy) refuses it.
  switch (rng.below(3)) {
    case 0:
      return `;${name}`;
    case 1:
      return `;${name}=${rng.pick(["1", "token", "abc-def"])}`;
    default:
      return `;${name}="${rng.pick(["quoted", 'with \\"escape\\"', "semi;colon", "caf\xe9"])}"`;
  }
}

export function chunkedBody(rng: Prng): string {
  let body = "";
  const chunks = rng.between(1, 4);
  for (let i = 0; i < chunks; i++) {
    const size = rng.between(1, 40);
    body += `${hexSize(rng, size)}${rng.chance(0.2) ? chunkExtension(rng) : ""}\r\n${payload(rng, size)}\r\n`;
  }
  body += `0${rng.chance(0.1) ? chunkExtension(rng) : ""}\r\n`;
  if (rng.chance(0.25)) body += rng.pick(["Expires: never\r\n", "X-Checksum: 5d41402a\r\n", "X-Sum: 1\r\nX-Other: two words\r\n"]);
  return `${body}\r\n`;
}

/** One valid request; `keepAlive` false adds `Connection: close` on 1.1 (or leaves 1.0 to close). */
export function validRequest(rng: Prng, keepAlive = true): string {
  const http10 = rng.chance(0.1);
  const withBody = rng.chance(0.5);
  const method = withBody ? rng.pick(BODY_METHODS) : rng.pick(BODILESS_METHODS);
  const host = rng.pick(HOSTS);
  const form = rng.below(10);
  const target = method === "OPTIONS" && form === 0 ? "*" : form === 1 ? `http://${host}${rng.pick(PATHS)}` : rng.pick(PATHS);
  const lines = [`${method} ${target} HTTP/1.${http10 ? 0 : 1}`];
  if (!http10 || rng.chance(0.5)) lines.push(`${rng.pick(["Host", "host", "HOST"])}: ${host}`);
  for (let i = rng.below(4); i > 0; i--) lines.push(rng.pick(OPTIONAL_HEADERS)(rng));
  if (http10 && keepAlive) lines.push("Connection: keep-alive");
  if (!http10 && !keepAlive) lines.push("Connection: close");
  let body = "";
  if (withBody) {
    if (!http10 && rng.chance(0.5)) {
      lines.push(rng.pick(["Transfer-Encoding: chunked", "transfer-encoding: Chunked"]));
      body = chunkedBody(rng);
    } else {
      body = payload(rng, rng.between(0, 60));
      lines.push(`Content-Length: ${body.length}`);
    }
  }
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** A whole input: one request, or two pipelined on one connection. */
export function validInput(rng: Prng): string {
  return rng.chance(0.25) ? validRequest(rng, true) + validRequest(rng, false) : validRequest(rng, rng.chance(0.5));
}
