import { createRequire } from "node:module";

/**
 * Node's own HTTP/1.1 parser (llhttp), driven directly, as the oracle of the parser differential
 * fuzz. It is reached through `_http_common`'s HTTPParser, an internal of Node's http module with
 * no types and no stability promise: this is the only file that touches it. Strict, as a Node
 * http server runs it by default (no lenient flags, i.e. insecureHTTPParser off).
 */

/** The slice of the internal HTTPParser binding used here (Node 20). */
type Binding = {
  new (): BindingParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientNone: number;
};
type BindingParser = {
  [callback: number]: unknown;
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes parsed, or an Error with `code` (HPE_…) and `bytesParsed`. */
  execute(data: Buffer): number | (Error & { code: string; bytesParsed: number });
  finish(): undefined | (Error & { code: string });
  close(): void;
};

const { HTTPParser, methods } = createRequire(import.meta.url)("_http_common") as { HTTPParser: Binding; methods: string[] };

/** Large enough never to be what refuses a fuzz case (the proxy's own limits are lower). */
const MAX_HEAD_BYTES = 256 * 1024;

type Field = [name: string, value: string];

function pairsOf(flat: string[]): Field[] {
  const pairs: Field[] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

/** One message as llhttp read it. */
export type OracleMessage = {
  /** Requests: the method; responses: undefined. */
  method: string | undefined;
  url: string;
  status: number;
  versionMajor: number;
  versionMinor: number;
  /** Header fields in order, names as sent, values without surrounding whitespace. */
  headers: Field[];
  upgrade: boolean;
  keepAlive: boolean;
  body: Buffer;
  /** Offset in the input just past the message's last byte. */
  end: number;
};

export type OracleReading = {
  messages: OracleMessage[];
  /** Why reading stopped after `messages`. */
  stop:
    | { kind: "error"; code: string; at: number }
    /** The input ended inside a message (or before one began: `partial` false). */
    | { kind: "ended"; partial: boolean }
    /** An upgrade (or CONNECT, or 101): what follows is no longer HTTP. */
    | { kind: "upgrade" };
};

/**
 * Reads a stream of requests, or of responses to `responseMethods` (one per final response: a
 * response to HEAD has no body), as llhttp does. Bytes are fed one at a time: the binding doesn't
 * say where in a buffer a message ended, and one byte per call makes every end exact (it also
 * exercises every split llhttp could see). The input ends as a connection closes: that ends a
 * close-delimited response body.
 */
export function llhttpRead(input: Buffer, responseMethods?: readonly string[]): OracleReading {
  const parser = new HTTPParser();
  const request = responseMethods === undefined;
  parser.initialize(request ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, MAX_HEAD_BYTES, HTTPParser.kLenientNone);
  const messages: OracleMessage[] = [];
  let finals = 0;
  let flushed: string[] = [];
  let flushedUrl = "";
  let current: OracleMessage | null = null;
  let bodyParts: Buffer[] = [];
  let completedAt = -1;
  let offset = 0;

  parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    // More than 32 fields, or a head spread over calls: llhttp hands them over in batches.
    flushed = flushed.concat(headers);
    flushedUrl += url;
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    method: number | undefined,
    url: string | undefined,
    status: number | undefined,
    _statusMessage: string | undefined,
    upgrade: boolean,
    keepAlive: boolean,
  ) => {
    current = {
      method: request ? methods[method!] : undefined,
      url: url ?? flushedUrl,
      status: status ?? 0,
      versionMajor,
      versionMinor,
      // Once a parser has flushed fields (past 32 of them, or trailers), it hands heads over in batches too.
      headers: pairsOf(headers ?? flushed),
      upgrade,
      keepAlive,
      body: Buffer.alloc(0),
      end: -1,
    };
    flushed = [];
    flushedUrl = "";
    bodyParts = [];
    if (request || current.status < 200) return 0;
    // 1 = this message has no body (what Node's client answers for a response to HEAD).
    return responseMethods[finals++] === "HEAD" ? 1 : 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    bodyParts.push(Buffer.from(chunk));
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    const message = current!;
    message.body = Buffer.concat(bodyParts);
    // Fields flushed after the head are a chunked body's trailer section (which the proxy drops).
    flushed = [];
    flushedUrl = "";
    messages.push(message);
    current = null;
    completedAt = offset;
  };

  try {
    for (offset = 0; offset < input.length; offset++) {
      completedAt = -1;
      const result = parser.execute(input.subarray(offset, offset + 1));
      if (completedAt !== -1) messages.at(-1)!.end = offset + 1;
      if (typeof result !== "number") return { messages, stop: { kind: "error", code: result.code, at: offset } };
      const last = messages.at(-1);
      // llhttp stops at the end of an upgrade (a request's, or a 101's): the rest is a tunnel.
      if (last?.upgrade && last.end === offset + 1) return { messages, stop: { kind: "upgrade" } };
    }
    const partial = (messages.at(-1)?.end ?? 0) < input.length;
    completedAt = -1;
    const finished = parser.finish();
    // A close-delimited response body ends with the input.
    if (completedAt !== -1) messages.at(-1)!.end = input.length;
    // Input ending inside a message is no refusal: more could have come.
    if (finished !== undefined && finished.code !== "HPE_INVALID_EOF_STATE") return { messages, stop: { kind: "error", code: finished.code, at: input.length } };
    return { messages, stop: { kind: "ended", partial: finished !== undefined || (partial && completedAt === -1) } };
  } finally {
    parser.close();
  }
}
