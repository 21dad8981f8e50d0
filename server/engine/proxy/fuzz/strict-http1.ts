/**
 * A strict reader of HTTP/1.1 message streams, to judge what the proxy emits on either side. It is
 * written apart from the proxy's own parser — regular expressions over whole lines rather than a
 * byte scan — so a mistake in one is unlikely to hide in the other. Beyond RFC 9112 validity it
 * holds the proxy to its forwarding policy: no hop-by-hop fields, exactly one framing field, and
 * no chunk extensions or trailer fields (the proxy drops both).
 */

export type Field = [lowerCaseName: string, value: string];
export type Reading<T> = { kind: "complete"; message: T; end: number } | { kind: "incomplete" } | { kind: "invalid"; reason: string };

export type RequestSeen = { method: string; target: string; fields: Field[]; bodyLength: number };
export type ResponseSeen = { status: number; fields: Field[]; body: string };

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const FIELD_LINE = new RegExp(`^(${TOKEN}):[ \\t]*([\\t\\x20-\\x7e\\x80-\\xff]*?)[ \\t]*$`);
const REQUEST_LINE = new RegExp(`^(${TOKEN}) (/[\\x21-\\x7e]*|\\*) HTTP/1\\.1$`);
const STATUS_LINE = /^HTTP\/1\.1 ([1-5]\d\d) [\t\x20-\x7e\x80-\xff]*$/;
const URI_HOST = /^(\[[\da-f:.]+\]|[\w\-.~%!$&'()*+,;=]*)(:\d*)?$/i;
/** A line not yet ended may hold no control byte but HTAB, and a CR only as its last byte. */
const BROKEN_PARTIAL_LINE = /[\0-\x08\n\x0b\x0c\x0e-\x1f\x7f]|\r(?!$)/;
const HOP_BY_HOP = new Set(["keep-alive", "proxy-connection", "te", "trailer", "upgrade"]);

const invalid = (reason: string) => ({ kind: "invalid", reason }) as const;
const INCOMPLETE = { kind: "incomplete" } as const;
const quote = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

function readHead(text: string, from: number, startLine: RegExp): Reading<{ start: RegExpExecArray; fields: Field[] }> {
  const blank = text.indexOf("\r\n\r\n", from);
  const lines = (blank === -1 ? text.slice(from) : text.slice(from, blank)).split("\r\n");
  if (blank === -1) {
    const partial = lines.pop()!;
    if (BROKEN_PARTIAL_LINE.test(partial)) return invalid(`control byte in an unfinished head line ${quote(partial)}`);
  }
  const start = lines.length > 0 ? startLine.exec(lines[0]!) : null;
  if (lines.length > 0 && !start) return invalid(`start line ${quote(lines[0]!)}`);
  const fields: Field[] = [];
  for (const line of lines.slice(1)) {
    const field = FIELD_LINE.exec(line);
    if (!field) return invalid(`field line ${quote(line)}`);
    fields.push([field[1]!.toLowerCase(), field[2]!]);
  }
  if (blank === -1) return INCOMPLETE;
  return { kind: "complete", message: { start: start!, fields }, end: blank + 4 };
}

const valuesOf = (fields: Field[], name: string) => fields.filter(([n]) => n === name).map(([, v]) => v);

type BodyFraming = { kind: "length"; length: number } | { kind: "chunked" } | { kind: "unframed" };

function framingOf(fields: Field[]): BodyFraming | { kind: "invalid"; reason: string } {
  const lengths = valuesOf(fields, "content-length");
  const codings = valuesOf(fields, "transfer-encoding");
  if (lengths.length > 1) return invalid(`${lengths.length} Content-Length fields`);
  if (codings.length > 1) return invalid(`${codings.length} Transfer-Encoding fields`);
  if (lengths.length === 1 && codings.length === 1) return invalid("both Content-Length and Transfer-Encoding");
  if (codings.length === 1) return codings[0]!.toLowerCase() === "chunked" ? { kind: "chunked" } : invalid(`Transfer-Encoding ${quote(codings[0]!)}`);
  if (lengths.length === 1) return /^\d+$/.test(lengths[0]!) ? { kind: "length", length: Number(lengths[0]) } : invalid(`Content-Length ${quote(lengths[0]!)}`);
  return { kind: "unframed" };
}

/** Hop-by-hop fields the proxy must have dropped. It writes `connection` itself, with `connection` values only, and `upgrade` on requests that upgrade. */
function hopByHopProblem(fields: Field[], connection: RegExp, upgrade: boolean): string | undefined {
  for (const [name, value] of fields) {
    const written = name === "connection" ? connection.test(value) : name === "upgrade" ? upgrade : !HOP_BY_HOP.has(name);
    if (!written) return `hop-by-hop field forwarded: ${name}: ${quote(value)}`;
  }
  return undefined;
}

/** A chunked body with neither extensions nor trailer fields (what the proxy forwards); `end` is past its final CRLF. */
function readChunked(text: string, from: number): Reading<{ length: number }> {
  let pos = from;
  let length = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", pos);
    if (lineEnd === -1) return /^[\da-f]{0,16}\r?$/i.test(text.slice(pos)) ? INCOMPLETE : invalid(`chunk size line ${quote(text.slice(pos))}`);
    const sizeLine = text.slice(pos, lineEnd);
    if (!/^[\da-f]{1,16}$/i.test(sizeLine)) return invalid(`chunk size line ${quote(sizeLine)} (a size, and no extensions, is all the proxy forwards)`);
    const size = parseInt(sizeLine, 16);
    pos = lineEnd + 2;
    if (size === 0) {
      const final = text.slice(pos, pos + 2);
      if (final === "\r\n") return { kind: "complete", message: { length }, end: pos + 2 };
      return "\r\n".startsWith(final) ? INCOMPLETE : invalid(`after the last chunk ${quote(text.slice(pos))} (trailer fields are never forwarded)`);
    }
    const dataEnd = pos + size;
    const after = text.slice(dataEnd, dataEnd + 2);
    if (after !== "\r\n") return text.length < dataEnd + 2 && "\r\n".startsWith(after) ? INCOMPLETE : invalid(`chunk data of ${size} bytes followed by ${quote(after)}`);
    length += size;
    pos = dataEnd + 2;
  }
}

/** The request starting at `from` in a stream the proxy sent to an instance. */
export function readRequest(text: string, from: number): Reading<RequestSeen> {
  const head = readHead(text, from, REQUEST_LINE);
  if (head.kind !== "complete") return head;
  const { start, fields } = head.message;
  const hosts = valuesOf(fields, "host");
  if (hosts.length !== 1 || !URI_HOST.test(hosts[0]!)) return invalid(`Host fields ${quote(hosts.join(" | "))}`);
  const hop = hopByHopProblem(fields, /^upgrade$/, true);
  if (hop) return invalid(hop);
  const framing = framingOf(fields);
  if (framing.kind === "invalid") return framing;
  const request = (bodyLength: number, end: number) => ({ kind: "complete", message: { method: start[1]!, target: start[2]!, fields, bodyLength }, end }) as const;
  if (framing.kind === "unframed") return request(0, head.end);
  if (framing.kind === "length") return text.length >= head.end + framing.length ? request(framing.length, head.end + framing.length) : INCOMPLETE;
  const body = readChunked(text, head.end);
  return body.kind === "complete" ? request(body.message.length, body.end) : body;
}

/**
 * The response starting at `from` in a stream the proxy sent to a client; `closed`: the stream has
 * ended (a body without framing runs to there). `bodiless` tells responses to HEAD apart, knowing
 * how many bytes follow the head.
 */
export function readResponse(text: string, from: number, closed: boolean, bodiless: (status: number, fields: Field[], bytesAfterHead: number) => boolean): Reading<ResponseSeen> {
  const head = readHead(text, from, STATUS_LINE);
  if (head.kind !== "complete") return head;
  const { start, fields } = head.message;
  const status = Number(start[1]);
  const hop = hopByHopProblem(fields, /^(close|keep-alive)$/, false);
  if (hop) return invalid(hop);
  const framing = framingOf(fields);
  if (framing.kind === "invalid") return framing;
  const response = (body: string, end: number) => ({ kind: "complete", message: { status, fields, body }, end }) as const;
  if (status < 200 || status === 204 || status === 304 || bodiless(status, fields, text.length - head.end)) return response("", head.end);
  if (framing.kind === "length") return text.length >= head.end + framing.length ? response(text.slice(head.end, head.end + framing.length), head.end + framing.length) : INCOMPLETE;
  if (framing.kind === "unframed") return closed ? response(text.slice(head.end), text.length) : INCOMPLETE;
  const body = readChunked(text, head.end);
  return body.kind === "complete" ? response(text.slice(head.end, body.end), body.end) : body;
}
