/**
 * HTTP/1.x message heads, parsed by hand from the bytes on the socket in a single pass that also
 * prepares what is forwarded: the proxy needs the start line, what frames the body, and the header
 * lines to pass on (hop-by-hop ones dropped). Anything ambiguous that could let two parties
 * disagree about where a message ends (request smuggling) is refused.
 */

export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Response only: the body runs until the upstream closes. */
  | { kind: "close" };

type Common = {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  framing: Framing;
  /** Header lines to pass on as they came, each ending in CRLF; hop-by-hop headers left out. */
  forwarded: string;
  /** The whole head as received (for the occasional header lookup). */
  text: string;
};

export type RequestHead = Common & {
  method: string;
  target: string;
  host: string | undefined;
  keepAlive: boolean;
  /** The protocol asked for with `Connection: upgrade` + `Upgrade:` (e.g. websocket). */
  upgrade: string | undefined;
  /** X-Forwarded-For as received (left out of `forwarded`: the proxy appends to it). */
  forwardedFor: string | undefined;
  hasForwardedProto: boolean;
  hasForwardedHost: boolean;
  hasRequestId: boolean;
};

export type ResponseHead = Common & {
  status: number;
  reason: string;
  /** The upstream will close after this response (so its connection can't be reused). */
  closes: boolean;
};

export class HttpParseError extends Error {
  override readonly name = "HttpParseError";
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const DIGITS = /^\d{1,15}$/;
// CR or LF outside a CRLF pair, or NUL, anywhere in a head: a message-splitting attempt.
const STRAY_CONTROL = /\r(?!\n)|(?<!\r)\n|\0/;

const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_CHARS[c.charCodeAt(0)] = 1;

function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}

/** Index just past the blank line ending a head, or -1 if it hasn't arrived yet. */
export function headEnd(buffer: Buffer, from = 0): number {
  const at = buffer.indexOf("\r\n\r\n", from, "latin1");
  return at === -1 ? -1 : at + 4;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) a proxy must not forward, lower-cased. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);
/** Connection tokens that are not header names. */
const CONNECTION_OPTIONS = new Set(["close", "keep-alive", "upgrade"]);

type Fields = {
  forwarded: string;
  contentLength: number;
  chunked: boolean;
  connection: string[];
  host: string | undefined;
  upgrade: string | undefined;
  forwardedFor: string | undefined;
  hasForwardedProto: boolean;
  hasForwardedHost: boolean;
  hasRequestId: boolean;
};

/** Case-insensitive comparison of text[from, to) with a lower-case name, without slicing. */
function nameIs(text: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = text.charCodeAt(from + i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The header names scanFields() acts on, by length, so most names are passed over after one comparison. */
const NAMES_BY_LENGTH = new Map<number, string[]>();
for (const name of [...HOP_BY_HOP, "host", "content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"]) {
  NAMES_BY_LENGTH.set(name.length, [...(NAMES_BY_LENGTH.get(name.length) ?? []), name]);
}

function knownName(text: string, from: number, to: number): string | undefined {
  const candidates = NAMES_BY_LENGTH.get(to - from);
  if (candidates) for (const name of candidates) if (nameIs(text, from, to, name)) return name;
  return undefined;
}

/**
 * One pass over the header lines (from `start`, the index after the start line's CRLF). Lines
 * that are forwarded are copied as runs, not one by one: usually the whole block is one slice.
 */
function scanFields(text: string, start: number, checkNames: boolean): Fields {
  const fields: Fields = {
    forwarded: "",
    contentLength: -1,
    chunked: false,
    connection: [],
    host: undefined,
    upgrade: undefined,
    forwardedFor: undefined,
    hasForwardedProto: false,
    hasForwardedHost: false,
    hasRequestId: false,
  };
  let hasTransferEncoding = false;
  let runStart = start; // first line of the current run of forwarded lines
  let pos = start;
  while (pos < text.length) {
    let end = text.indexOf("\r\n", pos);
    if (end === -1) end = text.length;
    if (end === pos) break;
    const first = text.charCodeAt(pos);
    if (first === 32 || first === 9) throw new HttpParseError("obsolete line folding in headers");
    const colon = text.indexOf(":", pos);
    if (colon === -1 || colon > end) throw new HttpParseError(`malformed header line "${text.slice(pos, Math.min(end, pos + 40))}"`);
    if (checkNames && !isToken(text, pos, colon)) throw new HttpParseError(`invalid header name "${text.slice(pos, Math.min(colon, pos + 40))}"`);
    const name = knownName(text, pos, colon);
    let keep = true;
    if (name !== undefined) {
      keep = !HOP_BY_HOP.has(name);
      const value = text.slice(colon + 1, end).trim();
      switch (name) {
        case "host":
          if (fields.host !== undefined) throw new HttpParseError("more than one Host header");
          fields.host = value;
          break;
        case "upgrade":
          fields.upgrade = value;
          break;
        case "connection":
          for (const token of value.split(",")) fields.connection.push(token.trim().toLowerCase());
          break;
        case "content-length": {
          if (!DIGITS.test(value)) throw new HttpParseError(`invalid Content-Length "${value.slice(0, 20)}"`);
          const length = Number(value);
          if (fields.contentLength !== -1 && fields.contentLength !== length) throw new HttpParseError("conflicting Content-Length headers");
          fields.contentLength = length;
          break;
        }
        case "transfer-encoding": {
          const codings = value.toLowerCase().split(",").map((c) => c.trim());
          // Only plain `chunked` is relayed; anything else we couldn't frame safely.
          if (codings.length !== 1 || codings[0] !== "chunked" || fields.chunked) throw new HttpParseError(`unsupported Transfer-Encoding "${value.slice(0, 40)}"`);
          fields.chunked = true;
          hasTransferEncoding = true;
          break;
        }
        case "x-forwarded-for":
          fields.forwardedFor = fields.forwardedFor === undefined ? value : `${fields.forwardedFor}, ${value}`;
          keep = false;
          break;
        case "x-forwarded-proto":
          fields.hasForwardedProto = true;
          break;
        case "x-forwarded-host":
          fields.hasForwardedHost = true;
          break;
        case "x-request-id":
          fields.hasRequestId = true;
          break;
      }
    }
    if (!keep) {
      fields.forwarded += text.slice(runStart, pos);
      runStart = end + 2;
    }
    pos = end + 2;
  }
  fields.forwarded += text.slice(runStart, pos);
  if (hasTransferEncoding && fields.contentLength !== -1) throw new HttpParseError("both Transfer-Encoding and Content-Length");
  // Headers named in Connection are hop-by-hop too (rare: filter again).
  const extra = fields.connection.filter((token) => !CONNECTION_OPTIONS.has(token));
  if (extra.length > 0) fields.forwarded = withoutHeaders(fields.forwarded, extra);
  return fields;
}

function withoutHeaders(lines: string, names: string[]): string {
  return lines
    .split("\r\n")
    .filter((line) => line !== "" && !names.includes(line.slice(0, line.indexOf(":")).toLowerCase()))
    .map((line) => `${line}\r\n`)
    .join("");
}

function headText(buffer: Buffer, end: number): string {
  const text = buffer.toString("latin1", 0, end - 2); // keep the last header's CRLF
  if (STRAY_CONTROL.test(text)) throw new HttpParseError("stray CR, LF or NUL in the head");
  return text;
}

/** Parses a request head; `end` comes from headEnd(). Throws HttpParseError on anything malformed. */
export function parseRequestHead(buffer: Buffer, end: number): RequestHead {
  const text = headText(buffer, end);
  const lineEnd = text.indexOf("\r\n");
  // METHOD SP target SP HTTP/1.x, read by hand (a regex match costs an array per request).
  const space1 = text.indexOf(" ");
  const space2 = space1 === -1 ? -1 : text.indexOf(" ", space1 + 1);
  const version = space2 === -1 ? "" : text.slice(space2 + 1, lineEnd);
  if (space2 === -1 || space2 > lineEnd || !isToken(text, 0, space1) || space2 === space1 + 1 || (version !== "HTTP/1.1" && version !== "HTTP/1.0") || text.slice(space1 + 1, space2).includes("\t")) {
    throw new HttpParseError(`malformed request line "${text.slice(0, Math.min(lineEnd, 60))}"`);
  }
  const minor = version === "HTTP/1.1" ? 1 : 0;
  const fields = scanFields(text, lineEnd + 2, true);
  if (minor === 1 && fields.host === undefined) throw new HttpParseError("missing Host header");
  const close = fields.connection.includes("close");
  return {
    method: text.slice(0, space1),
    target: text.slice(space1 + 1, space2),
    minor,
    host: fields.host,
    framing: fields.chunked ? { kind: "chunked" } : fields.contentLength > 0 ? { kind: "length", length: fields.contentLength } : { kind: "none" },
    keepAlive: minor === 1 ? !close : fields.connection.includes("keep-alive") && !close,
    upgrade: fields.connection.includes("upgrade") ? fields.upgrade : undefined,
    forwarded: fields.forwarded,
    text,
    forwardedFor: fields.forwardedFor,
    hasForwardedProto: fields.hasForwardedProto,
    hasForwardedHost: fields.hasForwardedHost,
    hasRequestId: fields.hasRequestId,
  };
}

/** Parses a response head to `method`; throws HttpParseError on anything malformed. */
export function parseResponseHead(buffer: Buffer, end: number, method: string): ResponseHead {
  const text = headText(buffer, end);
  const lineEnd = text.indexOf("\r\n");
  const start = STATUS_LINE.exec(text.slice(0, lineEnd));
  if (!start) throw new HttpParseError(`malformed status line "${text.slice(0, Math.min(lineEnd, 60))}"`);
  const status = Number(start[2]);
  const minor = start[1] === "1" ? 1 : 0;
  // Upstream header names aren't policed (they are the services' own); stray CR/LF still are, in headText().
  const fields = scanFields(text, lineEnd + 2, false);
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
  return { status, reason: start[3] ?? "", minor, framing, closes, forwarded: fields.forwarded, text };
}

/** A header's value from a parsed head's text (first occurrence), for the rare lookups (sticky sessions). */
export function headerValue(head: Common, lowerCaseName: string): string | undefined {
  const lines = head.text.split("\r\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).toLowerCase() === lowerCaseName) return line.slice(colon + 1).trim();
  }
  return undefined;
}
