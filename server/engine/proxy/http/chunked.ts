import { FIELD_VALUE, QDTEXT, TOKEN } from "./char-classes";
import { HttpParseError } from "./head";

const enum State {
  /** chunk-size: hex digits, then CRLF or an extension. */
  Size,
  /** After `;`: an extension name. */
  ExtNameStart,
  ExtName,
  /** After `=`: a token or a quoted-string. */
  ExtValueStart,
  ExtToken,
  ExtQuoted,
  ExtQuotedPair,
  ExtQuotedEnd,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  /** After the last chunk, and after each trailer field: a field or the final CRLF. */
  TrailerLineStart,
  TrailerName,
  TrailerValue,
  TrailerLf,
  FinalLf,
  Done,
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const SEMICOLON = 59;
const EQUALS = 61;
const COLON = 58;
const DQUOTE = 34;
const BACKSLASH = 92;

/** 2^48 bytes: more than any body, and still exact in a double. Leading zeros count: the length of the line is what is bounded. */
const MAX_SIZE_DIGITS = 12;
const WHITESPACE_IN_SIZE_LINE = "whitespace in a chunk size line";
/** All extensions of one chunk-size line. */
const MAX_EXTENSION_BYTES = 4096;
/** The whole trailer section, like a request head. */
const MAX_TRAILER_BYTES = 16 * 1024;

function hexValue(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
}

/**
 * What the spans of a ChunkedTracker cover:
 * - `framing`: the body re-framed for the next hop — the bytes as received, minus chunk extensions
 *   and trailer fields. Both are validated and then dropped: extensions are per hop and must be
 *   ignored when unknown (RFC 9112 §7.1.1); trailers may be discarded (RFC 9110 §6.5.1), the next
 *   hop was never told to expect them (the proxy drops `Trailer` and `TE` as hop-by-hop), and some
 *   servers merge trailer fields into the headers, where they would arrive unchecked.
 * - `payload`: the chunk data only (for HTTP/1.0 clients, which can't read chunked framing).
 */
export type ChunkedYield = "framing" | "payload";

/**
 * Follows a chunked body as its bytes go by, accepting only RFC 9112 §7.1's syntax: CRLF line
 * ends, bounded hex sizes, well-formed extensions, trailer fields that are header fields. Anything
 * else throws HttpParseError. It copies nothing: after each feed(), `spans` says which ranges of
 * the buffer to pass on, so the proxy only ever forwards framing bytes it has parsed.
 */
export class ChunkedTracker {
  /**
   * Ranges of the buffer last fed to pass on, as [from, to) index pairs; see ChunkedYield. Adjacent
   * bytes form one span, so a body without extensions or trailers yields a single span per feed.
   * Reused by every feed (no allocation per read). Empty after a feed that threw.
   */
  readonly spans: number[] = [];
  private state = State.Size;
  private remaining = 0;
  private digits = 0;
  private extensionBytes = 0;
  private trailerBytes = 0;
  /** Inside bytes that are left out of `framing` spans (an extension or trailer field); it can span feeds. */
  private skipping = false;
  /** During a `framing` feed: where the span being built began, or -1 while skipping. */
  private passFrom = -1;

  constructor(private readonly yields: ChunkedYield) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Consumes bytes from `start`; returns the index just past the body's end within `buffer`, or
   * -1 if the body goes on. Throws HttpParseError on anything but strict chunked syntax; callers
   * pass nothing of a buffer on before its feed() has returned (`spans` is then meaningless).
   */
  feed(buffer: Buffer, start: number): number {
    const spans = this.spans;
    spans.length = 0;
    const framing = this.yields === "framing";
    this.passFrom = framing && !this.skipping ? start : -1;
    let i = start;
    const length = buffer.length;
    while (i < length && this.state !== State.Done) {
      const c = buffer[i]!;
      switch (this.state) {
        case State.Size: {
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new HttpParseError(`chunk size longer than ${MAX_SIZE_DIGITS} hex digits`);
            this.remaining = this.remaining * 16 + digit;
          } else if (this.digits === 0) throw new HttpParseError(`invalid chunk size: byte 0x${c.toString(16)} where a hex digit must be`);
          else if (c === CR) this.state = State.SizeLf;
          else if (c === SEMICOLON) {
            this.skipFrom(i);
            this.extensionBytes = 1;
            this.state = State.ExtNameStart;
          } else if (c === SP || c === HTAB) throw new HttpParseError(WHITESPACE_IN_SIZE_LINE);
          else throw new HttpParseError(`invalid chunk size: byte 0x${c.toString(16)} after the hex digits`);
          break;
        }
        case State.SizeLf:
          if (c !== LF) throw new HttpParseError("chunk size line not ended by CRLF");
          this.digits = 0;
          this.state = this.remaining === 0 ? State.TrailerLineStart : State.Data;
          break;
        case State.Data: {
          const take = Math.min(this.remaining, length - i);
          if (!framing) spans.push(i, i + take);
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataCr;
          i += take;
          continue;
        }
        case State.DataCr:
          if (c !== CR) throw new HttpParseError("chunk data longer than its size");
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (c !== LF) throw new HttpParseError("chunk data not ended by CRLF");
          this.state = State.Size;
          break;
        case State.TrailerLineStart:
          if (c === CR) {
            if (this.skipping) this.passFromHere(i);
            this.state = State.FinalLf;
            break;
          }
          this.countTrailerByte();
          if (TOKEN[c] === 1) {
            this.skipFrom(i);
            this.state = State.TrailerName;
          } else if (c === SP || c === HTAB) throw new HttpParseError("obsolete line folding in trailer fields");
          else throw new HttpParseError(`trailer line is not a field: byte 0x${c.toString(16)} where a field name must start`);
          break;
        case State.TrailerName:
          this.countTrailerByte();
          if (c === COLON) this.state = State.TrailerValue;
          else if (TOKEN[c] !== 1) throw new HttpParseError(`invalid trailer field name: byte 0x${c.toString(16)}`);
          break;
        case State.TrailerValue:
          this.countTrailerByte();
          if (c === CR) this.state = State.TrailerLf;
          else if (FIELD_VALUE[c] !== 1) throw new HttpParseError(`invalid trailer field value: byte 0x${c.toString(16)}`);
          break;
        case State.TrailerLf:
          this.countTrailerByte();
          if (c !== LF) throw new HttpParseError("trailer field not ended by CRLF");
          this.state = State.TrailerLineStart;
          break;
        case State.FinalLf:
          if (c !== LF) throw new HttpParseError("chunked body not ended by CRLF");
          this.state = State.Done;
          break;
        default:
          if (++this.extensionBytes > MAX_EXTENSION_BYTES) throw new HttpParseError(`chunk extensions longer than ${MAX_EXTENSION_BYTES} bytes`);
          this.state = this.extension(c);
          if (this.state === State.SizeLf) this.passFromHere(i);
      }
      i++;
    }
    this.endSpan(i);
    return this.state === State.Done ? i : -1;
  }

  private endSpan(i: number): void {
    if (this.passFrom !== -1 && i > this.passFrom) this.spans.push(this.passFrom, i);
    this.passFrom = -1;
  }

  /** Ends the span being built at `i` (exclusive): what follows is left out of `framing` spans. */
  private skipFrom(i: number): void {
    this.endSpan(i);
    this.skipping = true;
  }

  /** Starts a new span at `i`, after bytes that were left out. */
  private passFromHere(i: number): void {
    this.skipping = false;
    if (this.yields === "framing") this.passFrom = i;
  }

  /**
   * The next state within chunk extensions (RFC 9112 §7.1.1), SizeLf once the line's CR comes.
   * The BWS the RFC allows around `;` and `=` is refused, as Node's parser (llhttp) refuses it: an
   * instance behind the proxy must never read a chunk size line the proxy read otherwise.
   */
  private extension(c: number): State {
    const quoted = this.state === State.ExtQuoted || this.state === State.ExtQuotedPair;
    if (!quoted && (c === SP || c === HTAB)) throw new HttpParseError(WHITESPACE_IN_SIZE_LINE);
    switch (this.state) {
      case State.ExtNameStart:
        if (TOKEN[c] === 1) return State.ExtName;
        throw new HttpParseError("chunk extension without a name");
      case State.ExtName:
        if (TOKEN[c] === 1) return State.ExtName;
        if (c === EQUALS) return State.ExtValueStart;
        if (c === SEMICOLON) return State.ExtNameStart;
        if (c === CR) return State.SizeLf;
        break;
      case State.ExtValueStart:
        if (c === DQUOTE) return State.ExtQuoted;
        if (TOKEN[c] === 1) return State.ExtToken;
        break;
      case State.ExtToken:
        if (TOKEN[c] === 1) return State.ExtToken;
        if (c === SEMICOLON) return State.ExtNameStart;
        if (c === CR) return State.SizeLf;
        break;
      case State.ExtQuoted:
        if (c === DQUOTE) return State.ExtQuotedEnd;
        if (c === BACKSLASH) return State.ExtQuotedPair;
        if (QDTEXT[c] === 1) return State.ExtQuoted;
        throw new HttpParseError(`invalid byte 0x${c.toString(16)} in a quoted chunk extension`);
      case State.ExtQuotedPair:
        if (FIELD_VALUE[c] === 1) return State.ExtQuoted;
        throw new HttpParseError(`invalid byte 0x${c.toString(16)} escaped in a quoted chunk extension`);
      case State.ExtQuotedEnd:
        if (c === SEMICOLON) return State.ExtNameStart;
        if (c === CR) return State.SizeLf;
        break;
    }
    throw new HttpParseError(`invalid byte 0x${c.toString(16)} in a chunk extension`);
  }

  private countTrailerByte(): void {
    if (++this.trailerBytes > MAX_TRAILER_BYTES) throw new HttpParseError(`trailer section longer than ${MAX_TRAILER_BYTES} bytes`);
  }
}
