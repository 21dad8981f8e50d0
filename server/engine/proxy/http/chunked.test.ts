import { describe, expect, it } from "vitest";
import { ChunkedTracker, type ChunkedYield } from "./chunked";
import { HttpParseError } from "./head";

/** Feeds `pieces` one after another; returns what the spans yielded, and where the body ended (offset into the joined pieces, or -1). */
function run(yields: ChunkedYield, pieces: string[]): { out: string; end: number } {
  const tracker = new ChunkedTracker(yields);
  let out = "";
  let offset = 0;
  for (const piece of pieces) {
    const buffer = Buffer.from(piece, "latin1");
    const end = tracker.feed(buffer, 0);
    for (let s = 0; s < tracker.spans.length; s += 2) out += buffer.toString("latin1", tracker.spans[s], tracker.spans[s + 1]);
    if (end !== -1) return { out, end: offset + end };
    offset += piece.length;
  }
  return { out, end: -1 };
}

/** The same bytes fed whole, one byte at a time, and (short ones) split in two at every offset. */
function splits(text: string): string[][] {
  const halves = text.length > 200 ? [] : Array.from({ length: text.length - 1 }, (_, i) => [text.slice(0, i + 1), text.slice(i + 1)]);
  return [[text], [...text], ...halves];
}

describe("ChunkedTracker accepts RFC 9112 chunking and re-frames it for the next hop", () => {
  it.each([
    ["plain chunks", "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n", "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n", "Wikipedia"],
    ["upper-case hex and leading zeros", "00A\r\n0123456789\r\n0\r\n\r\n", "00A\r\n0123456789\r\n0\r\n\r\n", "0123456789"],
    ["chunk data holding CRLFs", "6\r\na\r\n\r\nb\r\n0\r\n\r\n", "6\r\na\r\n\r\nb\r\n0\r\n\r\n", "a\r\n\r\nb"],
    ["extensions (dropped)", '5;a=1;b="x;\\"y";flag\r\nhello\r\n0;last\r\n\r\n', "5\r\nhello\r\n0\r\n\r\n", "hello"],
    ["obs-text in a quoted extension", '5;a="caf\xe9"\r\nhello\r\n0\r\n\r\n', "5\r\nhello\r\n0\r\n\r\n", "hello"],
    ["trailer fields (dropped)", "5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum:\t1 \xe9\r\nEmpty:\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n", "hello"],
  ])("%s", (_what, body, framed, payload) => {
    for (const pieces of splits(`${body}NEXT`)) {
      expect(run("framing", pieces)).toEqual({ out: framed, end: body.length });
      expect(run("payload", pieces)).toEqual({ out: payload, end: body.length });
    }
  });

  it("yields a body without extensions or trailers as one span per feed, the buffer itself", () => {
    const tracker = new ChunkedTracker("framing");
    const buffer = Buffer.from("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n");
    expect(tracker.feed(buffer, 0)).toBe(15);
    expect(tracker.spans).toEqual([0, 15]);
  });

  it("never yields extension or trailer bytes, even before it knows they are bad", () => {
    const tracker = new ChunkedTracker("framing");
    const first = Buffer.from("5;ext\r\nhello\r\n0\r\nX-Sum: 1");
    expect(tracker.feed(first, 0)).toBe(-1);
    const yielded = [];
    for (let s = 0; s < tracker.spans.length; s += 2) yielded.push(first.toString("latin1", tracker.spans[s], tracker.spans[s + 1]));
    expect(yielded).toEqual(["5", "\r\nhello\r\n0\r\n"]);
    expect(() => tracker.feed(Buffer.from("\nGET /smuggled HTTP/1.1\r\n\r\n"), 0)).toThrow("invalid trailer field value: byte 0xa");
  });
});

describe("ChunkedTracker refuses everything else", () => {
  it.each([
    ["a bare LF ending the trailer section", "0\r\n\nGET /smuggled HTTP/1.1\r\n\r\n", "trailer line is not a field: byte 0xa"],
    ["a bare LF ending a trailer field", "0\r\nX: 1\nY: 2\r\n\r\n", "invalid trailer field value: byte 0xa"],
    ["a bare CR ending a trailer field", "0\r\nX: 1\rY: 2\r\n\r\n", "trailer field not ended by CRLF"],
    ["a trailer line that is not a field", "0\r\nGET /smuggled HTTP/1.1\r\n\r\n", "invalid trailer field name: byte 0x20"],
    ["whitespace before a trailer's colon", "0\r\nX : 1\r\n\r\n", "invalid trailer field name: byte 0x20"],
    ["a trailer without a name", "0\r\n: 1\r\n\r\n", "trailer line is not a field: byte 0x3a"],
    ["a folded trailer field", "0\r\nX: 1\r\n folded\r\n\r\n", "obsolete line folding in trailer fields"],
    ["a NUL in a trailer value", "0\r\nX: a\0b\r\n\r\n", "invalid trailer field value: byte 0x0"],
    ["DEL in a trailer value", "0\r\nX: a\x7fb\r\n\r\n", "invalid trailer field value: byte 0x7f"],
    ["an endless trailer section", `0\r\n${"X-Pad: aaaaaaaaaaaaaaaa\r\n".repeat(1000)}\r\n`, "trailer section longer than 16384 bytes"],
    ["a bad final CRLF", "0\r\n\r\r", "chunked body not ended by CRLF"],
    ["an empty size", "\r\nhello\r\n", "invalid chunk size: byte 0xd where a hex digit must be"],
    ["a non-hex size", "zz\r\n", "invalid chunk size: byte 0x7a where a hex digit must be"],
    ["a 0x prefix", "0x5\r\nhello\r\n", "invalid chunk size: byte 0x78 after the hex digits"],
    ["a sign", "+5\r\nhello\r\n", "invalid chunk size: byte 0x2b where a hex digit must be"],
    ["whitespace before the size", " 5\r\nhello\r\n", "invalid chunk size: byte 0x20 where a hex digit must be"],
    ["whitespace after the size, no extension", "5 \r\nhello\r\n", "whitespace in a chunk size line"],
    ["a tab after the size, no extension", "5\t\r\nhello\r\n", "whitespace in a chunk size line"],
    // RFC 9112 allows BWS here, but Node's parser refuses it: an instance must never read the line otherwise.
    ["whitespace before an extension", "5 ;a\r\nhello\r\n", "whitespace in a chunk size line"],
    ["whitespace after an extension's ;", "5; a\r\nhello\r\n", "whitespace in a chunk size line"],
    ["whitespace around an extension's =", "5;a = b\r\nhello\r\n", "whitespace in a chunk size line"],
    ["an absurd size", "1234567890abc\r\n", "chunk size longer than 12 hex digits"],
    ["a size line ended by a bare LF", "5\nhello\r\n", "invalid chunk size: byte 0xa after the hex digits"],
    ["a size line ended by CR CR", "5\r\rhello\r\n", "chunk size line not ended by CRLF"],
    ["data longer than its size", "2\r\nabc\r\n", "chunk data longer than its size"],
    ["data ended by a bare LF", "2\r\nab\n0\r\n\r\n", "chunk data longer than its size"],
    ["data ended by CR CR", "2\r\nab\r\r", "chunk data not ended by CRLF"],
    ["an extension without a name", "5;\r\nhello\r\n", "chunk extension without a name"],
    ["an extension value without a name", "5;=x\r\nhello\r\n", "chunk extension without a name"],
    ["an extension without a value after =", "5;a=\r\nhello\r\n", "invalid byte 0xd in a chunk extension"],
    ["a space inside an extension name", "5;a b\r\nhello\r\n", "whitespace in a chunk size line"],
    ["whitespace ending an extension", "5;a=b \r\nhello\r\n", "whitespace in a chunk size line"],
    ["a bare LF ending an extension", "5;a\nhello\r\n", "invalid byte 0xa in a chunk extension"],
    ["a bare CR inside an extension", "5;a=\rb\r\nhello\r\n", "invalid byte 0xd in a chunk extension"],
    ["a bare LF inside a quoted extension", '5;a="\n"\r\nhello\r\n', "invalid byte 0xa in a quoted chunk extension"],
    ["an unterminated quoted extension", '5;a="x\r\nhello\r\n', "invalid byte 0xd in a quoted chunk extension"],
    ["an escaped NUL in a quoted extension", '5;a="\\\0"\r\nhello\r\n', "invalid byte 0x0 escaped in a quoted chunk extension"],
    ["a byte after a quoted extension", '5;a="x"y\r\nhello\r\n', "invalid byte 0x79 in a chunk extension"],
    ["endless extensions", `5${";a=b".repeat(2000)}\r\nhello\r\n`, "chunk extensions longer than 4096 bytes"],
  ])("%s", (_what, body, message) => {
    for (const yields of ["framing", "payload"] as const) {
      for (const pieces of splits(body)) {
        const attempt = () => run(yields, pieces);
        expect(attempt).toThrow(HttpParseError);
        expect(attempt).toThrow(message);
      }
    }
  });
});
