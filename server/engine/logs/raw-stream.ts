import fs from "node:fs";
import fsp from "node:fs/promises";

/** Bytes read from a capture file at a time: what bounds the memory of one collection step. */
export const CHUNK_BYTES = 256 * 1024;
/** A longer line is cut into pieces of at most this many characters (bytes, while it has no newline yet). */
export const MAX_LINE = 16 * 1024;

const NEWLINE = 0x0a;

/**
 * Complete lines at the start of `bytes`, and how many bytes they took. What follows the last
 * newline is a line still being written: it stays unread unless it is already MAX_LINE long or
 * `takeRest` says the stream has ended. Never cuts a UTF-8 character.
 */
export function splitLines(bytes: Buffer, takeRest: boolean): { texts: string[]; consumed: number } {
  const lastNewline = bytes.lastIndexOf(NEWLINE);
  const texts: string[] = [];
  if (lastNewline >= 0) {
    for (const line of bytes.toString("utf8", 0, lastNewline).split("\n")) pushLine(texts, line.endsWith("\r") ? line.slice(0, -1) : line);
  }
  let consumed = lastNewline + 1;
  while (bytes.length - consumed >= MAX_LINE) {
    const end = charStart(bytes, consumed + MAX_LINE);
    texts.push(bytes.toString("utf8", consumed, end));
    consumed = end;
  }
  if (takeRest && consumed < bytes.length) {
    pushLine(texts, bytes.toString("utf8", consumed));
    consumed = bytes.length;
  }
  return { texts, consumed };
}

function pushLine(texts: string[], line: string): void {
  if (line.length <= MAX_LINE) texts.push(line);
  else for (let from = 0; from < line.length; from += MAX_LINE) texts.push(line.slice(from, from + MAX_LINE));
}

/** The start of the UTF-8 character at `index` (backs over continuation bytes, 10xxxxxx). */
function charStart(bytes: Buffer, index: number): number {
  let start = index;
  while (start > 0 && (bytes[start]! & 0xc0) === 0x80) start--;
  return start;
}

/**
 * One capture file (an instance's stdout or stderr) that the process appends to and Gantry reads
 * from `offset`. The offset always sits at the start of a line, so a restarted Gantry never resumes
 * mid-line or mid-character.
 */
export class RawStream {
  offset = 0;

  constructor(
    readonly path: string,
    private readonly emptying: {
      /** The file is emptied once this much of it has been consumed. */
      afterBytes: number;
      /** Persists offset 0 for this file; runs before it is emptied. */
      before(): Promise<void>;
    },
  ) {}

  /**
   * Hands `take` the complete lines appended since the last read, CHUNK_BYTES at a time, up to the
   * size the file had when the read began (so a process that writes as fast as it is read can't
   * hold the collector here). The offset passes a chunk only once `take` has resolved: lines whose
   * handling failed are read again next time. `flushPartial` takes a last line without newline too.
   * Resolves to whether the offset moved.
   */
  async read(flushPartial: boolean, take: (texts: string[]) => Promise<void>): Promise<boolean> {
    const file = await fsp.open(this.path, "r+").catch(() => undefined);
    if (!file) return false;
    const start = this.offset;
    try {
      const { size } = await file.stat();
      if (size < this.offset) this.offset = 0; // truncated behind our back
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size - this.offset));
      while (this.offset < size) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        const { texts, consumed } = splitLines(buffer.subarray(0, bytesRead), flushPartial && this.offset + bytesRead >= size);
        if (consumed === 0) break; // only a line still being written is left
        await take(texts);
        this.offset += consumed;
      }
      await this.emptyIfConsumed(file.fd);
    } finally {
      await file.close();
    }
    // (A read from 0 that empties the file ends at 0 again: the saved position, or one pending, is still right.)
    return this.offset !== start;
  }

  /**
   * Empties the file once it has been read to its end, so it does not grow for good. The process
   * appends (O_APPEND), so it carries on at the new end. Offset 0 is persisted first: a Gantry killed
   * in between reads the file again from its start (lines repeated), never from an offset past what
   * the refilled file holds (lines skipped). A write landing between the size check and the
   * truncation would be lost; both are synchronous calls back to back to keep that window to
   * microseconds, and it comes once per `afterBytes` read.
   */
  private async emptyIfConsumed(fd: number): Promise<void> {
    if (this.offset < this.emptying.afterBytes || fs.fstatSync(fd).size !== this.offset) return;
    await this.emptying.before();
    if (fs.fstatSync(fd).size !== this.offset) return; // written to meanwhile: next time
    fs.ftruncateSync(fd, 0);
    this.offset = 0;
  }
}
