/**
 * HTTP/1.x message heads, parsed by hand from the bytes on the socket: the proxy only needs the
 * start line, the headers as a flat list, and what frames the body. Anything ambiguous that could
 * let two parties disagree about where a message ends (request smuggling) is refused.
 */

export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Response only: the body runs until the upstream closes. */
  | { kind: "close" };

export type RequestHead = {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** name, value, name, value… in their original case, hop-by-hop headers included. */
  headers: string[];
  host: string | undefined;
  framing: Framing;
  keepAlive: boolean;
  /** The protocol asked for with `Connection: upgrade` + `Upgrade:` (e.g. websocket). */
  upgrade: string | undefined;
  /** Lower-cased header names listed in Connection: they are hop-by-hop too. */
  connectionTokens: string[];
};

export type ResponseHead = {
  status: number;
  reason: string;
  minor: number;
  headers: string[];
  framing: Framing;
  /** The upstream will close after this response (so its connection can't be reused). */
  closes: boolean;
  connectionTokens: string[];
};

export class HttpParseError extends Error {
  override readonly name = "HttpParseError";
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible ASCII, obs-text, space and tab; never CR, LF or NUL.
const BAD_VALUE = /[\0\r\n]/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const DIGITS = /^\d{1,15}$/;

/** Index just past the blank line ending a head, or -1 if it hasn't arrived yet. */
export function headEnd(buffer: Buffer, from = 0): number {
  const at = buffer.indexOf("\r\n\r\n", from, "latin1");
  return at === -1 ? -1 : at + 4;
}

type Fields = { headers: string[]; contentLength: number; chunked: boolean; hasTransferEncoding: boolean; connection: string[]; host: string | undefined; upgrade: string | undefined };

function parseFields(lines: string[]): Fields {
  const headers: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let hasTransferEncoding = false;
  let host: string | undefined;
  let upgrade: string | undefined;
  const connection: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    if (line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) throw new HttpParseError("obsolete line folding in headers");
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HttpParseError(`malformed header line "${line.slice(0, 40)}"`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpParseError(`invalid header name "${name.slice(0, 40)}"`);
    const value = line.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) throw new HttpParseError(`invalid character in header ${name}`);
    headers.push(name, value);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "host") {
          if (host !== undefined) throw new HttpParseError("more than one Host header");
          host = value;
        }
        break;
      case 7:
        if (name.toLowerCase() === "upgrade") upgrade = value;
        break;
      case 10:
        if (name.toLowerCase() === "connection") for (const token of value.split(",")) connection.push(token.trim().toLowerCase());
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          if (!DIGITS.test(value)) throw new HttpParseError(`invalid Content-Length "${value.slice(0, 20)}"`);
          const length = Number(value);
          if (contentLength !== -1 && contentLength !== length) throw new HttpParseError("conflicting Content-Length headers");
          contentLength = length;
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") {
          hasTransferEncoding = true;
          const codings = value.toLowerCase().split(",").map((c) => c.trim());
          // Only plain `chunked` is relayed; anything else we couldn't frame safely.
          if (codings.length !== 1 || codings[0] !== "chunked" || chunked) throw new HttpParseError(`unsupported Transfer-Encoding "${value.slice(0, 40)}"`);
          chunked = true;
        }
        break;
    }
  }
  if (hasTransferEncoding && contentLength !== -1) throw new HttpParseError("both Transfer-Encoding and Content-Length");
  return { headers, contentLength, chunked, hasTransferEncoding, connection, host, upgrade };
}

/** Parses a request head; `end` comes from headEnd(). Throws HttpParseError on anything malformed. */
export function parseRequestHead(buffer: Buffer, end: number): RequestHead {
  const lines = buffer.toString("latin1", 0, end - 4).split("\r\n");
  const start = REQUEST_LINE.exec(lines[0]!);
  if (!start) throw new HttpParseError(`malformed request line "${lines[0]!.slice(0, 60)}"`);
  const minor = start[3] === "1" ? 1 : 0;
  const fields = parseFields(lines);
  if (minor === 1 && fields.host === undefined) throw new HttpParseError("missing Host header");
  const close = fields.connection.includes("close");
  const keepAlive = minor === 1 ? !close : fields.connection.includes("keep-alive") && !close;
  return {
    method: start[1]!,
    target: start[2]!,
    minor,
    headers: fields.headers,
    host: fields.host,
    framing: fields.chunked ? { kind: "chunked" } : fields.contentLength > 0 ? { kind: "length", length: fields.contentLength } : { kind: "none" },
    keepAlive,
    upgrade: fields.connection.includes("upgrade") ? fields.upgrade : undefined,
    connectionTokens: fields.connection,
  };
}

/** Parses a response head to `method`; throws HttpParseError on anything malformed. */
export function parseResponseHead(buffer: Buffer, end: number, method: string): ResponseHead {
  const lines = buffer.toString("latin1", 0, end - 4).split("\r\n");
  const start = STATUS_LINE.exec(lines[0]!);
  if (!start) throw new HttpParseError(`malformed status line "${lines[0]!.slice(0, 60)}"`);
  const status = Number(start[2]);
  const minor = start[1] === "1" ? 1 : 0;
  const fields = parseFields(lines);
  const bodiless = method === "HEAD" || status < 200 || status === 204 || status === 304;
  const framing: Framing = bodiless
    ? { kind: "none" }
    : fields.chunked
      ? { kind: "chunked" }
      : fields.contentLength >= 0
        ? fields.contentLength === 0
          ? { kind: "none" }
          : { kind: "length", length: fields.contentLength }
        : { kind: "close" };
  const closes = framing.kind === "close" || fields.connection.includes("close") || (minor === 0 && !fields.connection.includes("keep-alive"));
  return { status, reason: start[3] ?? "", minor, headers: fields.headers, framing, closes, connectionTokens: fields.connection };
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) a proxy must not forward, lower-cased. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Whether the header named `name` stays on the far side of this hop. */
export function isHopByHop(name: string, connectionTokens: string[]): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || (connectionTokens.length > 0 && connectionTokens.includes(lower));
}
