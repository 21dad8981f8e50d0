import type { Prng } from "./prng";
import { chunkedBody, payload } from "./valid-requests";

/**
 * Valid HTTP/1.x response streams, as latin1 text, with the request method each final response
 * answers: bodies framed by Content-Length, chunked (with extensions and trailers) or the close,
 * bodiless ones (HEAD, 204, 304), 1xx interim responses, HTTP/1.0, several on one connection, a
 * switch of protocols.
 */
export type ResponseStream = { text: string; methods: string[] };

const STATUSES = [200, 200, 200, 201, 204, 206, 301, 304, 404, 500, 503] as const;
const REASONS: Record<number, string> = { 200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable" };

/** Optional header lines, each valid on its own; some are hop-by-hop (the proxy must drop them). */
const OPTIONAL_HEADERS: ReadonlyArray<(rng: Prng) => string> = [
  () => "Content-Type: text/plain; charset=utf-8",
  () => "Cache-Control: max-age=60",
  (rng) => `ETag: "${rng.below(1e9).toString(36)}"`,
  () => "Set-Cookie: session=abc123; Path=/; HttpOnly",
  () => "Date: Wed, 02 Dec 2026 01:00:00 GMT",
  () => "X-Empty:",
  () => "X-Latin1: caf\xe9",
  () => "X-Padded: \t spaced \t",
  () => "Keep-Alive: timeout=5",
  () => "Trailer: X-Checksum",
  () => "Connection: keep-alive, X-Hop",
  () => "X-Hop: dropped",
  () => "Host: kept.example",
];

/** One response to `method`; `last`: nothing follows it, so it may be framed by the close. */
function validResponse(rng: Prng, method: string, last: boolean): string {
  const text = rng.chance(0.1) ? "HTTP/1.1 100 Continue\r\n\r\n" : "";
  const http10 = rng.chance(0.1);
  const status = rng.pick(STATUSES);
  const lines = [rng.chance(0.1) ? `HTTP/1.${http10 ? 0 : 1} ${status}` : `HTTP/1.${http10 ? 0 : 1} ${status} ${REASONS[status]}`];
  for (let i = rng.below(4); i > 0; i--) lines.push(rng.pick(OPTIONAL_HEADERS)(rng));
  if (http10 && !last) lines.push("Connection: keep-alive");
  if (!http10 && last && rng.chance(0.3)) lines.push("Connection: close");
  let body = "";
  const framing = status === 204 ? "none" : rng.pick(http10 ? ["length", "close"] : ["length", "length", "chunked", "close"]);
  if (framing === "chunked") {
    lines.push(rng.pick(["Transfer-Encoding: chunked", "transfer-encoding: Chunked"]));
    body = chunkedBody(rng);
  } else if (framing === "length" || (framing === "close" && !last)) {
    body = payload(rng, rng.between(0, 60));
    lines.push(`Content-Length: ${body.length}`);
  } else if (framing === "close") body = payload(rng, rng.between(0, 60));
  // Their head describes a body that is not there.
  if (method === "HEAD" || status === 304) body = "";
  return `${text}${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** A switch to WebSocket, then bytes of the tunnel (no longer HTTP). */
const SWITCH = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";

/** One to three responses on one connection, with the methods they answer; sometimes the last switches protocols. */
export function validResponseStream(rng: Prng): ResponseStream {
  const count = rng.pick([1, 1, 2, 3]);
  const methods = Array.from({ length: count }, () => rng.pick(["GET", "GET", "POST", "HEAD"]));
  const switching = rng.chance(0.05);
  const text = methods.map((method, i) => validResponse(rng, method, i === count - 1 && !switching)).join("");
  return { text: switching ? text + SWITCH : text, methods: switching ? [...methods, "GET"] : methods };
}
