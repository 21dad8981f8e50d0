import type { Prng } from "./prng";

/**
 * Ways to break a valid request, aimed at where HTTP/1.1 parsers disagree: line ends, control
 * bytes, whitespace around names and values, framing headers, chunk sizes, and bytes after
 * where a message should end. Each takes and returns latin1 text.
 */
type Mutation = (text: string, rng: Prng) => string;

const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

/** Index of a random occurrence of `pattern` in `text`, or -1. */
function randomIndexOf(text: string, pattern: RegExp, rng: Prng): number {
  const found = [...text.matchAll(new RegExp(pattern.source, "g"))].map((m) => m.index);
  return found.length === 0 ? -1 : rng.pick(found);
}

function insertAt(text: string, at: number, insert: string): string {
  return text.slice(0, at) + insert + text.slice(at);
}

/** The header lines (without the start line), with their offsets. */
function headerLines(text: string): Array<{ start: number; end: number }> {
  const headEnd = text.indexOf("\r\n\r\n");
  const lines: Array<{ start: number; end: number }> = [];
  let pos = text.indexOf("\r\n") + 2;
  while (pos > 1 && pos < headEnd + 2) {
    const end = text.indexOf("\r\n", pos);
    if (end === -1 || end === pos) break;
    lines.push({ start: pos, end: end + 2 });
    pos = end + 2;
  }
  return lines;
}

export const MUTATIONS: Record<string, Mutation> = {
  "replace a byte": (text, rng) => {
    const at = rng.below(text.length);
    return text.slice(0, at) + String.fromCharCode(rng.below(256)) + text.slice(at + 1);
  },
  "change a CRLF": (text, rng) => {
    const at = randomIndexOf(text, /\r\n/, rng);
    return at === -1 ? text : text.slice(0, at) + rng.pick(["\n", "\r", "\n\r", "\r\r", "\r\n\r\n", ""]) + text.slice(at + 2);
  },
  "insert a control byte": (text, rng) => insertAt(text, rng.below(text.length + 1), rng.pick(["\n", "\r", "\0", "\x0b", "\x0c", "\x1b", "\x7f"])),
  "insert whitespace": (text, rng) => {
    const where = rng.below(3);
    const lineEnd = randomIndexOf(text, /\r\n[^\r]/, rng);
    // Before a colon (`Name : v`), at a line start (obs-fold), or anywhere.
    const at = where === 0 ? randomIndexOf(text, /:/, rng) : where === 1 ? (lineEnd === -1 ? -1 : lineEnd + 2) : rng.below(text.length + 1);
    return at === -1 ? text : insertAt(text, at, rng.pick([" ", "\t", "\xa0", "  "]));
  },
  "duplicate a header line": (text, rng) => {
    const lines = headerLines(text);
    if (lines.length === 0) return text;
    const line = rng.pick(lines);
    return insertAt(text, rng.pick(lines).start, text.slice(line.start, line.end));
  },
  "remove a header line": (text, rng) => {
    const lines = headerLines(text);
    if (lines.length === 0) return text;
    const line = rng.pick(lines);
    return text.slice(0, line.start) + text.slice(line.end);
  },
  "add a framing header": (text, rng) => {
    const lines = headerLines(text);
    const at = lines.length === 0 ? text.indexOf("\r\n") + 2 : rng.pick(lines).start;
    const header = rng.pick([
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: chunked, chunked",
      "Transfer-Encoding: gzip, chunked",
      "Transfer-Encoding: identity",
      "Transfer-Encoding: xchunked",
      "Transfer-Encoding:chunked",
      "Transfer-Encoding : chunked",
      "Transfer-Encoding:\r\n chunked",
      `Content-Length: ${rng.below(40)}`,
      "Content-Length: 0",
      "Content-Length: +5",
      "Content-Length: 5, 5",
      "Content-Length: 0x5",
      "Content-Length:  7 ",
      "Connection: content-length",
      "Connection: host, close",
      "Host: other.example",
      "Expect: 100-continue",
    ]);
    return insertAt(text, at, `${header}\r\n`);
  },
  "change a chunk size": (text, rng) => {
    const at = randomIndexOf(text, /\r\n[0-9a-fA-F]+(?=[;\r ])/, rng);
    if (at === -1) return text;
    const start = at + 2;
    let end = start;
    while (/[0-9a-fA-F]/.test(text[end] ?? "")) end++;
    const size = parseInt(text.slice(start, end), 16);
    const replacement = rng.pick([(size + 1).toString(16), Math.max(0, size - 1).toString(16), `0x${size.toString(16)}`, `+${size}`, `-${size}`, ` ${size}`, `${size} `, "ffffffffffffffff", "", "0"]);
    return text.slice(0, start) + replacement + text.slice(end);
  },
  "smuggle a request after a line end": (text, rng) => {
    const at = randomIndexOf(text, /\r\n/, rng);
    return at === -1 ? text : text.slice(0, at) + rng.pick(["\n", "\r\n", "\r\n\n", "\n\r\n"]) + SMUGGLED + text.slice(at + 2);
  },
  "append bytes": (text, rng) => text + rng.pick([SMUGGLED, "\r\n", "\n", "garbage", "\0\0\0", "HTTP/1.1 200 OK\r\n\r\n", "0\r\n\r\n"]),
  truncate: (text, rng) => text.slice(0, rng.below(text.length)),
};

const NAMES = Object.keys(MUTATIONS);

/** Applies `count` random mutations; returns the text and the names applied, in order. */
export function mutate(text: string, count: number, rng: Prng): { text: string; applied: string[] } {
  const applied: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = rng.pick(NAMES);
    text = MUTATIONS[name]!(text, rng);
    applied.push(name);
  }
  return { text, applied };
}
