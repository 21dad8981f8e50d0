import { HttpParseError } from "./head";

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
  Done,
}

const MAX_SIZE_DIGITS = 12;

/**
 * Follows a chunked body as its bytes go by, without copying them: tells where the body ends
 * and, for clients that can't take chunked framing (HTTP/1.0), where the payload pieces are.
 */
export class ChunkedTracker {
  private state = State.Size;
  private remaining = 0;
  private digits = 0;
  private trailerLineLength = 0;

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Consumes bytes from `start`; returns the index just past the body's end within `buffer`, or
   * -1 if the body goes on. `onData(from, to)` receives payload ranges. Throws on bad framing.
   */
  feed(buffer: Buffer, start: number, onData?: (from: number, to: number) => void): number {
    let i = start;
    const length = buffer.length;
    while (i < length) {
      switch (this.state) {
        case State.Size: {
          const c = buffer[i]!;
          const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (digit >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new HttpParseError("chunk size too large");
            this.remaining = this.remaining * 16 + digit;
          } else if (this.digits === 0) throw new HttpParseError("invalid chunk size");
          else if (c === 59 /* ; */ || c === 32 || c === 9) this.state = State.Extension;
          else if (c === 13) this.state = State.SizeLf;
          else throw new HttpParseError("invalid chunk size");
          i++;
          break;
        }
        case State.Extension:
          if (buffer[i] === 13) this.state = State.SizeLf;
          else if (buffer[i] === 10) throw new HttpParseError("bare LF in chunk extension");
          i++;
          break;
        case State.SizeLf:
          if (buffer[i] !== 10) throw new HttpParseError("expected LF after chunk size");
          i++;
          this.digits = 0;
          if (this.remaining === 0) {
            this.state = State.Trailer;
            this.trailerLineLength = 0;
          } else this.state = State.Data;
          break;
        case State.Data: {
          const take = Math.min(this.remaining, length - i);
          onData?.(i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (buffer[i] !== 13) throw new HttpParseError("chunk data longer than its size");
          this.state = State.DataLf;
          i++;
          break;
        case State.DataLf:
          if (buffer[i] !== 10) throw new HttpParseError("expected LF after chunk data");
          this.state = State.Size;
          i++;
          break;
        case State.Trailer:
          if (buffer[i] === 13) this.state = State.TrailerLf;
          else if (++this.trailerLineLength > 8192) throw new HttpParseError("trailer line too long");
          i++;
          break;
        case State.TrailerLf:
          if (buffer[i] !== 10) throw new HttpParseError("expected LF in trailer");
          i++;
          if (this.trailerLineLength === 0) {
            this.state = State.Done;
            return i;
          }
          this.trailerLineLength = 0;
          this.state = State.Trailer;
          break;
        case State.Done:
          return i;
      }
    }
    return -1;
  }
}
