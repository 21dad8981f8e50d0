/**
 * HTTP/1.x message heads, parsed by hand from the bytes on the socket in a single pass that also
 * prepares what is forwarded: the proxy needs the start line, what frames the body, and the header
 * lines to pass on (hop-by-hop ones dropped). Anything ambiguous that could let two parties
 * disagree about where a message ends (request smuggling) is refused, by RFC 9112's strict
 * grammar: CRLF line ends only, token field names, no control characters, no line folding.
 * The fields that frame and route a message — Content-Length, Transfer-Encoding, Host — are never
 * copied through: the proxy writes them itself from what it parsed, so the next hop sees exactly
 * the framing the proxy acted on, once.
 */

import { TOKEN, VCHAR } from "./char-classes";

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
  /** Content-Length as declared, -1 if none (it may frame nothing: HEAD, 304). Forwarded re-serialised, once. */
  contentLength: number;
  /** Header lines to pass on as they came, each ending in CRLF; hop-by-hop headers, Content-Length and a request's Host left out. */
  forwarded: string;
  /** The whole head as received (for the occasional header lookup). */
  text: string;
};

export type RequestHead = Common & {
  method: string;
  /** Origin form (`/path?query`), or `*` for OPTIONS. An absolute-form target is reduced to its path, its authority becoming `host`. */
  target: string;
  /** Who the request is for: an absolute-form target's authority, else the Host header; undefined only from HTTP/1.0 without Host. */
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

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: (.*))?$/;
const DIGITS = /^\d{1,15}$/;
/** CR or LF outside a CRLF pair, or any other control character but HTAB: a message-splitting attempt, or garbage. */
const STRAY_CONTROL = /\r(?!\n)|(?<!\r)\n|[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const STRAY_CONTROL_MESSAGE = "stray CR or LF, or a control character, in the head";
/** RFC 9110 Host: uri-host [":" port], where uri-host is an IP literal or a reg-name (IPv4 included). */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(?::\d*)?$/;
/** absolute-form (RFC 9112 §3.2.2): scheme, authority, then the rest of the target. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/i;

/** Whether text[from, to) is non-empty and every char is in `allowed`. */
function allIn(allowed: Uint8Array, text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (allowed[text.charCodeAt(i)] !== 1) return false;
  return true;
}

const isToken = (text: string, from: number, to: number) => allIn(TOKEN, text, from, to);

/** text[from, to) without leading and trailing OWS — SP and HTAB only (String.trim would also eat e.g. a latin1 no-break space). */
function withoutOws(text: string, from: number, to: number): string {
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--;
  return text.slice(from, to);
}

/**
 * Whether whitespace ending text[from, to) holds an HTAB. Node's parser refuses one after a
 * framing field's value (it allows SP there), so the proxy does too: the two must agree on framing.
 */
function tabBeforeEnd(text: string, from: number, to: number): boolean {
  for (let i = to - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (c === 9) return true;
    if (c !== 32) return false;
  }
  return false;
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
  /** A Transfer-Encoding field was present (its only accepted value is `chunked`). */
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
 * that are forwarded are copied as runs, not one by one: usually the whole block is one or two
 * slices. `request`: Host is the proxy's to write (a response's Host is just a field).
 */
function scanFields(text: string, start: number, request: boolean): Fields {
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
    if (!isToken(text, pos, colon)) throw new HttpParseError(`invalid header name "${text.slice(pos, Math.min(colon, pos + 40))}"`);
    const name = knownName(text, pos, colon);
    let keep = true;
    if (name !== undefined) {
      keep = !HOP_BY_HOP.has(name);
      const value = withoutOws(text, colon + 1, end);
      switch (name) {
        case "host":
          if (!request) break;
          if (fields.host !== undefined) throw new HttpParseError("more than one Host header");
          fields.host = value;
          keep = false;
          break;
        case "upgrade":
          fields.upgrade = value;
          break;
        case "connection":
          for (const token of value.split(",")) fields.connection.push(withoutOws(token, 0, token.length).toLowerCase());
          break;
        case "content-length": {
          if (!DIGITS.test(value) || tabBeforeEnd(text, colon + 1, end)) throw new HttpParseError(`invalid Content-Length "${value.slice(0, 20)}"`);
          // Even repeated with one value (which RFC 9110 §8.6 lets a recipient accept): Node's parser refuses it, and an
          // instance must never read a message's length otherwise than the proxy.
          if (fields.contentLength !== -1) throw new HttpParseError("more than one Content-Length header");
          fields.contentLength = Number(value);
          keep = false; // written by the proxy from what it parsed
          break;
        }
        case "transfer-encoding":
          // Only exactly `chunked`, once: other codings (or chunked twice) can't be framed as we re-serialise them.
          if (fields.chunked || !nameIs(value, 0, value.length, "chunked") || tabBeforeEnd(text, colon + 1, end)) throw new HttpParseError(`unsupported Transfer-Encoding "${value.slice(0, 40)}"`);
          fields.chunked = true;
          break;
        case "x-forwarded-for":
          if (!request) break; // the proxy appends the client to a request's; a response's is the service's own
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
  if (fields.chunked && fields.contentLength !== -1) throw new HttpParseError("both Transfer-Encoding and Content-Length");
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
  if (STRAY_CONTROL.test(text)) throw new HttpParseError(STRAY_CONTROL_MESSAGE);
  return text;
}

/**
 * Checks a head still arriving, from `from` (what earlier calls already checked) to the end, so a
 * client sending a broken head is refused at once rather than after the head timeout.
 */
export function checkPartialHead(buffer: Buffer, from: number): void {
  // A CR at the end may get its LF in the next read; one just before `from` must get it now.
  const start = from > 0 && buffer[from - 1] === 13 ? from - 1 : from;
  const end = buffer[buffer.length - 1] === 13 ? buffer.length - 1 : buffer.length;
  if (start < end && STRAY_CONTROL.test(buffer.toString("latin1", start, end))) throw new HttpParseError(STRAY_CONTROL_MESSAGE);
}

/** The request target in origin form (or `*`) and, for an absolute-form target, the host it names. */
function originForm(method: string, target: string): { target: string; authority: string | undefined } {
  if (target.charCodeAt(0) === 47 /* / */ || (target === "*" && method === "OPTIONS")) return { target, authority: undefined };
  // absolute-form: the next hop gets origin form, and the authority replaces Host (RFC 9112 §3.2.2), so
  // the proxy routes by the same host the service would act on.
  const absolute = ABSOLUTE_FORM.exec(target);
  if (!absolute) throw new HttpParseError(`unsupported request target "${target.slice(0, 40)}" (origin or absolute form only)`);
  const rest = absolute[2]!;
  return { target: rest.startsWith("/") ? rest : `/${rest}`, authority: absolute[1]! };
}

/** Parses a request head; `end` comes from headEnd(). Throws HttpParseError on anything malformed. */
export function parseRequestHead(buffer: Buffer, end: number): RequestHead {
  const text = headText(buffer, end);
  const lineEnd = text.indexOf("\r\n");
  // METHOD SP target SP HTTP/1.x, read by hand (a regex match costs an array per request).
  const space1 = text.indexOf(" ");
  const space2 = space1 === -1 ? -1 : text.indexOf(" ", space1 + 1);
  const version = space2 === -1 ? "" : text.slice(space2 + 1, lineEnd);
  if (space2 === -1 || space2 > lineEnd || !isToken(text, 0, space1) || !allIn(VCHAR, text, space1 + 1, space2) || (version !== "HTTP/1.1" && version !== "HTTP/1.0")) {
    throw new HttpParseError(`malformed request line "${text.slice(0, Math.min(lineEnd, 60))}"`);
  }
  const minor = version === "HTTP/1.1" ? 1 : 0;
  const method = text.slice(0, space1);
  const { target, authority } = originForm(method, text.slice(space1 + 1, space2));
  const fields = scanFields(text, lineEnd + 2, true);
  if (minor === 1 && fields.host === undefined) throw new HttpParseError("missing Host header");
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
  if (minor === 0 && fields.chunked) throw new HttpParseError("Transfer-Encoding in an HTTP/1.0 request");
  const host = authority ?? fields.host;
  if (host !== undefined && !HOST.test(host)) throw new HttpParseError(`invalid host "${host.slice(0, 40)}"`);
  const close = fields.connection.includes("close");
  return {
    method,
    target,
    minor,
    host,
    framing: fields.chunked ? { kind: "chunked" } : fields.contentLength > 0 ? { kind: "length", length: fields.contentLength } : { kind: "none" },
    contentLength: fields.contentLength,
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
  // As strict as for requests: a field we misread here (say `Content-Length : 6`) could frame the response differently for the client.
  const fields = scanFields(text, lineEnd + 2, false);
  if (minor === 0 && fields.chunked) throw new HttpParseError("Transfer-Encoding in an HTTP/1.0 response");
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
  // The final response must follow on the same connection; Node's parser refuses it after such a 1xx.
  if (closes && status < 200 && status !== 101) throw new HttpParseError(`interim ${status} response that closes the connection`);
  return { status, reason: start[3] ?? "", minor, framing, contentLength: fields.contentLength, closes, forwarded: fields.forwarded, text };
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
