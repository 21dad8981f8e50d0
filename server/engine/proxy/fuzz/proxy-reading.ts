import { MAX_REQUEST_HEAD } from "../client-connection";
import { ChunkedTracker } from "../http/chunked";
import { checkPartialHead, headEnd, HttpParseError, parseRequestHead, parseResponseHead, type Framing, type RequestHead, type ResponseHead } from "../http/head";
import { MAX_RESPONSE_HEAD } from "../upstream-connection";

/**
 * The proxy's HTTP/1.1 parsing (http/head.ts, http/chunked.ts) driven over a byte stream the way
 * its connections drive it — client-connection.ts for requests, upstream-connection.ts for
 * responses — but without sockets, so the parser differential fuzz can run many thousands of
 * cases a second. Bytes come in pieces, as reads from a socket do.
 */

export type ProxyMessage<Head> = {
  head: Head;
  /** The body's payload (chunk data only, for a chunked body). */
  body: Buffer;
  /** A chunked body as the proxy forwards it (extensions and trailer fields left out). */
  reframed: Buffer | undefined;
  /** Offset in the input just past the message's last byte. */
  end: number;
};

export type ProxyReading<Head> = {
  messages: Array<ProxyMessage<Head>>;
  stop:
    /** Refused while reading the piece that ends at `at` (a partial head is checked as it comes). */
    | { kind: "refused"; reason: string; at: number; inBody: boolean }
    /** The input ended; `partial`: inside a message, `inBody`: past its head. */
    | { kind: "ended"; partial: boolean; inBody: boolean }
    /** The last message closes the connection: nothing after it is read. */
    | { kind: "closed" }
    /** The last message asks for (or is) an upgrade: what follows is a tunnel. */
    | { kind: "upgrade" };
};

/** Follows one body through its framing, piece by piece, as exchange.ts and upstream-connection.ts do. */
class BodyReader {
  private readonly payload: Buffer[] = [];
  private readonly framed: Buffer[] = [];
  private remaining: number;
  /** The product forwards what the "framing" tracker yields; the "payload" one recovers the data to compare. */
  private readonly trackers: [ChunkedTracker, ChunkedTracker] | null;

  constructor(private readonly framing: Framing) {
    this.remaining = framing.kind === "length" ? framing.length : 0;
    this.trackers = framing.kind === "chunked" ? [new ChunkedTracker("framing"), new ChunkedTracker("payload")] : null;
  }

  get complete(): boolean {
    return this.framing.kind === "none";
  }

  get closeDelimited(): boolean {
    return this.framing.kind === "close";
  }

  /** Takes bytes from `chunk`; the index just past the body's end, or -1 if it goes on. Throws HttpParseError. */
  feed(chunk: Buffer): number {
    if (this.trackers) {
      const [framing, payload] = this.trackers;
      const end = framing.feed(chunk, 0);
      const payloadEnd = payload.feed(chunk, 0);
      if (payloadEnd !== end) throw new Error(`the chunked tracker ends the body at ${end} when yielding framing, at ${payloadEnd} when yielding payload`);
      for (let s = 0; s < framing.spans.length; s += 2) this.framed.push(chunk.subarray(framing.spans[s], framing.spans[s + 1]));
      for (let s = 0; s < payload.spans.length; s += 2) this.payload.push(chunk.subarray(payload.spans[s], payload.spans[s + 1]));
      return end;
    }
    if (this.framing.kind === "close") {
      this.payload.push(chunk);
      return -1;
    }
    const take = Math.min(this.remaining, chunk.length);
    this.remaining -= take;
    this.payload.push(chunk.subarray(0, take));
    return this.remaining === 0 ? take : -1;
  }

  message<Head>(head: Head, end: number): ProxyMessage<Head> {
    return { head, body: Buffer.concat(this.payload), reframed: this.trackers ? Buffer.concat(this.framed) : undefined, end };
  }
}

type HeadStep<Head> =
  | { kind: "incomplete" }
  | { kind: "head"; head: Head; end: number; framing: Framing; interim?: boolean; last?: "closed" | "upgrade" };

/**
 * The loop both directions share: heads from the pending bytes, then bodies, one message after
 * another. `readHead` throws HttpParseError to refuse.
 */
function readStream<Head>(pieces: readonly Buffer[], readHead: (pending: Buffer, checkedUpTo: number) => HeadStep<Head>): ProxyReading<Head> {
  const messages: Array<ProxyMessage<Head>> = [];
  let pending: Buffer | null = null;
  let pendingAt = 0;
  let checkedUpTo = 0;
  let body: { reader: BodyReader; head: Head; last?: "closed" | "upgrade" } | null = null;
  let offset = 0;

  /** A body ends at absolute offset `end`; returns a stop if the stream is over. */
  const finish = (end: number): ProxyReading<Head>["stop"] | undefined => {
    const { reader, head, last } = body!;
    messages.push(reader.message(head, end));
    body = null;
    return last ? { kind: last } : undefined;
  };

  for (const piece of pieces) {
    const pieceEnd = offset + piece.length;
    let chunk: Buffer | null = piece;
    let chunkAt = offset;
    offset = pieceEnd;
    try {
      for (;;) {
        if (body && chunk) {
          const end = body.reader.feed(chunk);
          if (end === -1) {
            chunk = null;
            break;
          }
          const stop = finish(chunkAt + end);
          if (stop) return { messages, stop };
          chunk = end < chunk.length ? chunk.subarray(end) : null;
          chunkAt += end;
        }
        if (chunk) {
          if (pending === null) pendingAt = chunkAt;
          pending = pending ? Buffer.concat([pending, chunk]) : chunk;
          chunk = null;
        }
        if (!pending) break;
        const step = readHead(pending, checkedUpTo);
        if (step.kind === "incomplete") {
          checkedUpTo = pending.length;
          break;
        }
        checkedUpTo = 0;
        const rest: Buffer | null = step.end < pending.length ? pending.subarray(step.end) : null;
        const restAt = pendingAt + step.end;
        pending = null;
        body = { reader: new BodyReader(step.framing), head: step.head, last: step.last };
        if (step.interim || body.reader.complete) {
          const stop = finish(restAt);
          if (stop) return { messages, stop };
        }
        chunk = rest;
        chunkAt = restAt;
        if (!chunk) break;
      }
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      return { messages, stop: { kind: "refused", reason: err.message, at: pieceEnd, inBody: body !== null } };
    }
  }
  // A close-delimited body ends with the input (such a response always closes the connection).
  if (body?.reader.closeDelimited) return { messages, stop: finish(offset) ?? { kind: "closed" } };
  return { messages, stop: { kind: "ended", partial: body !== null || pending !== null, inBody: body !== null } };
}

/** Requests as a client connection reads them: a head (checked as it arrives, 16 KiB at most), then its body. */
export function proxyReadRequests(pieces: readonly Buffer[]): ProxyReading<RequestHead> {
  return readStream<RequestHead>(pieces, (pending, checkedUpTo) => {
    const end = headEnd(pending);
    if (end === -1 || end > MAX_REQUEST_HEAD) {
      if (pending.length > MAX_REQUEST_HEAD) throw new HttpParseError("request headers too large");
      checkPartialHead(pending, checkedUpTo);
      return { kind: "incomplete" };
    }
    const head = parseRequestHead(pending, end);
    // An upgrade request is a connection's last (exchange.ts): a 101 makes the rest a tunnel, anything else closes.
    const last = head.upgrade !== undefined ? "upgrade" : head.keepAlive ? undefined : "closed";
    return { kind: "head", head, end, framing: head.framing, last };
  });
}

/**
 * Responses as an upstream connection reads them, to requests with `methods` in turn (one per
 * final response). The proxy reads a response only once its request is sent, so each is read as
 * if it came in reads of its own.
 */
export function proxyReadResponses(pieces: readonly Buffer[], methods: readonly string[]): ProxyReading<ResponseHead> {
  let finals = 0;
  return readStream<ResponseHead>(pieces, (pending) => {
    const end = headEnd(pending);
    if (end === -1) {
      if (pending.length > MAX_RESPONSE_HEAD) throw new HttpParseError("response head too large");
      return { kind: "incomplete" };
    }
    const head = parseResponseHead(pending, end, methods[finals] ?? "GET");
    if (head.status === 101) return { kind: "head", head, end, framing: { kind: "none" }, last: "upgrade" };
    if (head.status < 200) return { kind: "head", head, end, framing: { kind: "none" }, interim: true };
    finals++;
    return { kind: "head", head, end, framing: head.framing, last: head.closes ? "closed" : undefined };
  });
}
