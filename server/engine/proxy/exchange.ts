import type { Endpoint, PickRequest } from "./balancers";
import type { Cluster, UpstreamEndpoint } from "./cluster";
import { recordRequest } from "./counters";
import { byteRange } from "./http/byte-range";
import { ChunkedTracker } from "./http/chunked";
import { headerValue, type RequestHead, type ResponseHead } from "./http/head";
import type { TrafficCounters } from "./types";
import type { ResponseSink, UpstreamConnection } from "./upstream-connection";
import { errorResponse } from "./client-connection";
import { nextRequestId } from "./request-id";
import { describeFault, type Fault } from "../../contracts/chaos";

/** A request body up to this size is kept so the request can be retried on another instance. */
const RETAIN_BODY_BYTES = 64 * 1024;
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
/**
 * With no perTryTimeoutMs, an idempotent try is given up once its instance looks hung: it has
 * answered nothing for this long, with this request and another one waiting on it, while another
 * instance of the service answered. A slow request on a live instance is left alone (the instance
 * answers its other requests); a stopped or wedged process answers none.
 */
export const HUNG_AFTER_MS = 1000;

/** What an exchange needs from the client connection it belongs to. */
export interface ClientSide {
  readonly clientIp: string;
  /** The connection ends after this response: it must say so (`connection: close`). */
  readonly retiring: boolean;
  write(data: Buffer | string): boolean;
  cork(): void;
  uncork(): void;
  pause(): void;
  resume(): void;
  onceDrained(resume: () => void): void;
  /** The response is complete; `keepAlive` says whether the next request may follow. */
  finished(keepAlive: boolean): void;
  /** Cut the client off (a response was half sent when the upstream failed). */
  abort(): void;
  /** From here on the client socket is a raw tunnel to `upstream`. */
  tunnel(upstream: UpstreamConnection, rest: Buffer | null): void;
}

/** What an exchange needs from the proxy around it. */
export interface ExchangeContext {
  now(): number;
  acquire(endpoint: UpstreamEndpoint, sink: ResponseSink): void;
  release(connection: UpstreamConnection, reusable: boolean): void;
  /** The exchange is over: its cluster has room for a waiting one. */
  ended(exchange: Exchange, cluster: Cluster): void;
  /** Counters of the listener (and edge) the request came through. */
  counters: readonly TrafficCounters[];
}

export type Target = { cluster: Cluster; path: string };

/**
 * One request and its response. Chooses an instance, streams the request to it, relays the
 * response, retries on another instance when that is safe, and feeds outlier detection.
 */
export class Exchange implements PickRequest, ResponseSink {
  readonly method: string;
  /** Deadline (ms, performance clock) for the response head; checked by the proxy's sweep. */
  deadline = Number.POSITIVE_INFINITY;
  /** Deadline of this try (perTryTimeoutMs), after which an idempotent request goes to another instance. */
  tryDeadline = Number.POSITIVE_INFINITY;
  /** This try is given up if its instance looks hung (see HUNG_AFTER_MS). */
  private watchHung = false;
  private readonly startedAt = performance.now();
  /** "Now" for one round of picking an endpoint. */
  private pickedAt = 0;
  private readonly tried: UpstreamEndpoint[] = [];
  private endpoint: UpstreamEndpoint | null = null;
  private upstream: UpstreamConnection | null = null;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  private bodyRetained = true;
  private bodyDone: boolean;
  private bodyRemaining: number;
  private readonly bodyTracker: ChunkedTracker | null;
  private outHead = "";
  private responseStarted = false;
  private dechunk: ChunkedTracker | null = null;
  /** The response head, held until the rest of the same read is known, so head and body leave in one write. */
  private heldHead = "";
  /** Reading from the client (request body) or the upstream (response) is paused until the other side drains. */
  private upstreamDrainAwaited = false;
  private clientDrainAwaited = false;
  /** Reading from the client is paused until the upstream connection is up (body pieces pile up meanwhile). */
  private connectAwaited = false;
  private keepAlive: boolean;
  private lastError = "";
  private status = 0;
  private started = false;
  private done = false;

  constructor(
    private readonly client: ClientSide,
    readonly head: RequestHead,
    private readonly target: Target,
    private readonly context: ExchangeContext,
    /** Chaos injected into this request, if any. */
    private readonly fault?: Fault,
  ) {
    this.method = head.method;
    this.keepAlive = head.keepAlive && head.upgrade === undefined;
    const framing = head.framing;
    this.bodyDone = framing.kind === "none";
    this.bodyRemaining = framing.kind === "length" ? framing.length : 0;
    this.bodyTracker = framing.kind === "chunked" ? new ChunkedTracker("framing") : null;
  }

  get clientIp(): string {
    return this.client.clientIp;
  }

  header(lowerCaseName: string): string | undefined {
    return headerValue(this.head, lowerCaseName);
  }

  excludes(endpoint: Endpoint): boolean {
    const e = endpoint as UpstreamEndpoint;
    return !e.usable(this.pickedAt) || this.tried.includes(e);
  }

  get cluster(): Cluster {
    return this.target.cluster;
  }

  /** Admitted by the cluster's circuit breaker: go. */
  start(): void {
    this.started = true;
    this.target.cluster.requestStarted();
    for (const counters of this.context.counters) counters.inFlight++;
    this.outHead = this.requestHead();
    const fault = this.fault;
    if (!fault) return this.dispatch();
    if (fault.kind === "error") return this.failed(fault.status, `fault injected: ${describeFault(fault)}`);
    if (fault.kind === "abort") {
      this.client.abort();
      return this.finish(502, false);
    }
    setTimeout(() => this.done || this.dispatch(), fault.ms);
  }

  /** Refused by the circuit breaker. */
  overloaded(): void {
    const { cluster } = this.target;
    this.failed(503, `circuit open: service ${cluster.serviceName} has ${cluster.inFlight} requests in flight and ${cluster.waiting.length} waiting (limits ${cluster.settings.maxConnections} and ${cluster.settings.maxPendingRequests})`);
  }

  /**
   * Takes request body bytes from the client; returns what lies beyond this request's body
   * (pipelining). Throws HttpParseError on bad chunked framing, having forwarded nothing of `chunk`.
   */
  feedBody(chunk: Buffer): Buffer | null {
    if (this.bodyDone) return chunk;
    let end = -1;
    const tracker = this.bodyTracker;
    if (tracker) {
      end = tracker.feed(chunk, 0);
      const spans = tracker.spans;
      for (let s = 0; s < spans.length; s += 2) this.forwardBody(byteRange(chunk, spans[s]!, spans[s + 1]!));
    } else {
      const take = Math.min(this.bodyRemaining, chunk.length);
      this.bodyRemaining -= take;
      if (this.bodyRemaining === 0) end = take;
      this.forwardBody(byteRange(chunk, 0, take));
    }
    if (end !== -1) this.bodyDone = true;
    return end === -1 || end === chunk.length ? null : chunk.subarray(end);
  }

  /** The response head did not come in time. */
  timedOut(): void {
    if (this.done || this.responseStarted) return;
    this.lastError = `no response from ${this.endpoint?.id ?? "any instance"} within ${this.target.cluster.settings.requestTimeoutMs} ms`;
    if (this.endpoint) this.target.cluster.recordOutcome(this.endpoint, true, this.context.now());
    this.dropUpstream();
    this.failed(504, this.lastError);
  }

  /** Whether this try waits on an instance that looks hung (see HUNG_AFTER_MS). */
  waitsOnHung(now: number): boolean {
    const endpoint = this.endpoint;
    if (!this.watchHung || !endpoint || now - this.pickedAt <= HUNG_AFTER_MS) return false;
    if (endpoint.answeredAt >= this.pickedAt || this.target.cluster.answeredAt <= this.pickedAt) return false;
    // Found hung with two requests waiting, it stays so for every try on it until it answers again.
    return endpoint.active >= 2 || endpoint.hungSinceAnswer === endpoint.answeredAt;
  }

  /** This try had no response head in time (perTryTimeoutMs, or its instance looks hung): another instance gets the request, if it may. */
  tryTimedOut(): void {
    const hung = !Number.isFinite(this.tryDeadline);
    this.tryDeadline = Number.POSITIVE_INFINITY;
    this.watchHung = false;
    if (this.done || this.responseStarted || !this.canRetry()) return;
    const endpoint = this.endpoint!;
    if (hung) endpoint.hungSinceAnswer = endpoint.answeredAt;
    this.lastError = hung
      ? `${endpoint.id} answered nothing for ${HUNG_AFTER_MS} ms while other instances did`
      : `no response from ${endpoint.id} within ${this.target.cluster.settings.perTryTimeoutMs} ms`;
    this.target.cluster.recordOutcome(endpoint, true, this.context.now());
    this.dropUpstream();
    this.retry();
  }

  /** The client went away: stop everything for this request. */
  abandon(): void {
    if (this.done) return;
    this.dropUpstream();
    this.finish(499, false);
  }

  get finished(): boolean {
    return this.done;
  }

  /** The whole request body has been read from the client. */
  get requestComplete(): boolean {
    return this.bodyDone;
  }

  /** Some of the response has been written to the client (so the proxy can no longer answer in its place). */
  get responding(): boolean {
    return this.responseStarted && this.heldHead === "";
  }

  // ResponseSink, called by the upstream connection:

  connected(connection: UpstreamConnection): void {
    this.upstream = connection;
    const socket = connection.socket;
    socket.cork();
    socket.write(this.outHead, "latin1");
    for (const piece of this.body) socket.write(piece);
    socket.uncork();
    if (!this.bodyRetained) this.body.length = 0;
    if (this.connectAwaited) {
      this.connectAwaited = false;
      this.client.resume();
    }
  }

  upstreamFailed(message: string, responded: boolean): void {
    this.lastError = message;
    const endpoint = this.endpoint;
    this.upstream = null;
    if (endpoint) this.target.cluster.recordOutcome(endpoint, true, this.context.now());
    if (!this.responseStarted && !responded && this.canRetry()) return this.retry();
    if (this.responding) {
      // Part of the response is out: cutting the connection is the only way to tell the client it is incomplete.
      this.client.abort();
      return this.finish(502, false);
    }
    // Nothing reached the client yet (a held head is dropped). If the upstream had begun to answer,
    // what it sent is suspect (malformed framing, say): close after the 502 rather than read on.
    this.heldHead = "";
    if (responded) this.keepAlive = false;
    this.failed(502, `upstream ${message}`);
  }

  interim(raw: Buffer): void {
    // 1xx (e.g. 100 Continue) only goes to clients that speak HTTP/1.1.
    if (this.head.minor === 1) this.client.write(raw);
  }

  responseHead(head: ResponseHead, _raw: Buffer): boolean {
    const cluster = this.target.cluster;
    this.endpoint!.answeredAt = cluster.answeredAt = this.context.now();
    const retryable = (head.status === 502 || head.status === 503) && IDEMPOTENT.has(this.method);
    if (retryable) cluster.recordOutcome(this.endpoint!, true, this.context.now());
    if (retryable && this.canRetry()) {
      this.lastError = `${this.endpoint!.id} answered ${head.status}`;
      this.status = -1; // drop this response; responseEnd() then retries
      return false;
    }
    this.status = head.status;
    if (!retryable) cluster.recordOutcome(this.endpoint!, head.status >= 500, this.context.now());
    this.deadline = this.tryDeadline = Number.POSITIVE_INFINITY;
    this.watchHung = false;
    this.responseStarted = true;
    // An HTTP/1.0 client can't read chunked framing: strip it and end the body by closing.
    if (head.framing.kind === "chunked" && this.head.minor === 0) this.dechunk = new ChunkedTracker("payload");
    if (head.framing.kind === "close" || this.dechunk || this.client.retiring) this.keepAlive = false;
    this.heldHead = this.responseHeadText(head);
    return true;
  }

  readDone(): void {
    if (this.heldHead === "") return;
    this.client.write(this.heldHead);
    this.heldHead = "";
  }

  /** Response body bytes, already checked and re-framed by the upstream connection. */
  responseBody(data: Buffer): void {
    const dechunk = this.dechunk;
    if (!dechunk) return this.relay(data);
    dechunk.feed(data, 0);
    const spans = dechunk.spans;
    for (let s = 0; s < spans.length; s += 2) this.relay(byteRange(data, spans[s]!, spans[s + 1]!));
  }

  responseEnd(reusable: boolean): void {
    this.readDone();
    const connection = this.upstream;
    this.upstream = null;
    if (connection) this.context.release(connection, reusable && this.bodyDone);
    if (this.status === -1) return this.retry();
    this.finish(this.status, true);
  }

  upgraded(head: ResponseHead, raw: Buffer, rest: Buffer | null): void {
    const connection = this.upstream!;
    this.upstream = null;
    this.status = head.status;
    this.client.write(raw); // relayed as is: Connection/Upgrade must reach the client on a 101
    this.finish(head.status, false);
    this.client.tunnel(connection, rest);
  }

  private dispatch(): void {
    const cluster = this.target.cluster;
    this.pickedAt = this.context.now();
    const endpoint = cluster.balancer.pick(this) as UpstreamEndpoint | undefined;
    if (!endpoint) {
      if (this.tried.length === 0) return this.failed(503, `no healthy instance for service ${cluster.serviceName}`);
      return this.failed(502, `upstream ${this.lastError}`);
    }
    this.tried.push(endpoint);
    this.endpoint = endpoint;
    endpoint.active++;
    this.deadline = this.pickedAt + cluster.settings.requestTimeoutMs;
    const perTry = cluster.settings.perTryTimeoutMs;
    const idempotent = IDEMPOTENT.has(this.method);
    this.tryDeadline = perTry !== null && idempotent ? this.pickedAt + perTry : Number.POSITIVE_INFINITY;
    this.watchHung = perTry === null && idempotent;
    this.context.acquire(endpoint, this);
  }

  private canRetry(): boolean {
    const cluster = this.target.cluster;
    return (
      this.tried.length <= cluster.settings.retries &&
      (this.bodyRetained || this.bodyBytes === 0) &&
      cluster.retryAllowed(this.context.now()) &&
      cluster.endpoints.some((e) => !this.excludes(e))
    );
  }

  private retry(): void {
    this.endpoint!.active--;
    this.target.cluster.retryTaken();
    this.dispatch();
  }

  private forwardBody(part: Buffer): void {
    if (this.bodyRetained) {
      this.bodyBytes += part.length;
      if (this.bodyBytes > RETAIN_BODY_BYTES) this.bodyRetained = false;
    }
    const upstream = this.upstream;
    if (!upstream || upstream.connecting) {
      this.body.push(part);
      if (this.body.length > 64 && !this.connectAwaited) {
        this.connectAwaited = true; // not connected yet: don't read without bound
        this.client.pause();
      }
      return;
    }
    if (this.bodyRetained) this.body.push(part);
    if (!upstream.socket.write(part) && !this.upstreamDrainAwaited) {
      this.upstreamDrainAwaited = true;
      this.client.pause();
      upstream.socket.once("drain", () => {
        this.upstreamDrainAwaited = false;
        this.client.resume();
      });
    }
  }

  private relay(data: Buffer): void {
    if (this.heldHead !== "") data = this.withHeldHead(data);
    if (!this.client.write(data) && !this.clientDrainAwaited) {
      const socket = this.upstream?.socket;
      if (!socket) return;
      this.clientDrainAwaited = true;
      socket.pause();
      this.client.onceDrained(() => {
        this.clientDrainAwaited = false;
        socket.resume();
      });
    }
  }

  private withHeldHead(data: Buffer): Buffer {
    const headLength = this.heldHead.length; // latin1: one byte per character
    const joined = Buffer.allocUnsafe(headLength + data.length);
    joined.write(this.heldHead, 0, "latin1");
    data.copy(joined, headLength);
    this.heldHead = "";
    return joined;
  }

  private dropUpstream(): void {
    const connection = this.upstream;
    this.upstream = null;
    connection?.destroy();
  }

  /** A response made by the proxy itself; the client connection stays open only if `keepAlive` still allows. */
  private failed(status: number, message: string): void {
    this.keepAlive = this.keepAlive && this.bodyDone && !this.client.retiring;
    this.client.write(errorResponse(status, REASONS[status] ?? "Error", message, this.keepAlive, this.method));
    this.finish(status, true);
  }

  private finish(status: number, respond: boolean): void {
    if (this.done) return;
    this.done = true;
    const cluster = this.target.cluster;
    if (this.started) {
      cluster.inFlight--;
      for (const counters of this.context.counters) counters.inFlight--;
    }
    const seconds = (performance.now() - this.startedAt) / 1000;
    for (const counters of this.context.counters) recordRequest(counters, status, seconds);
    recordRequest(cluster.counters, status, seconds);
    if (this.endpoint) {
      this.endpoint.active--;
      recordRequest(this.endpoint.counters, status, seconds);
    }
    if (this.started) this.context.ended(this, cluster);
    if (respond) this.client.finished(this.keepAlive && this.bodyDone);
  }

  /** The request head for the upstream: framing and Host written from what was parsed, never copied. */
  private requestHead(): string {
    const head = this.head;
    // HTTP/1.0 clients may send no Host.
    let text = `${head.method} ${this.target.path} HTTP/1.1\r\nhost: ${head.host ?? this.target.cluster.serviceName}\r\n${head.forwarded}`;
    text += `x-forwarded-for: ${head.forwardedFor ? `${head.forwardedFor}, ${this.clientIp}` : this.clientIp}\r\n`;
    if (!head.hasForwardedProto) text += "x-forwarded-proto: http\r\n";
    if (!head.hasForwardedHost && head.host) text += `x-forwarded-host: ${head.host}\r\n`;
    if (!head.hasRequestId) text += `x-request-id: ${nextRequestId()}\r\n`;
    if (head.framing.kind === "chunked") text += "transfer-encoding: chunked\r\n";
    else if (head.contentLength >= 0) text += `content-length: ${head.contentLength}\r\n`;
    if (head.upgrade !== undefined) text += `connection: upgrade\r\nupgrade: ${head.upgrade}\r\n`;
    return `${text}\r\n`;
  }

  private responseHeadText(response: ResponseHead): string {
    let text = `HTTP/1.1 ${response.status} ${response.reason}\r\n${response.forwarded}`;
    if (response.framing.kind === "chunked" && !this.dechunk) text += "transfer-encoding: chunked\r\n";
    // Kept where it describes a body not sent (HEAD, 304); never on 204, which can't have one.
    else if (response.contentLength >= 0 && response.status !== 204) text += `content-length: ${response.contentLength}\r\n`;
    if (!this.keepAlive) text += "connection: close\r\n";
    else if (this.head.minor === 0) text += "connection: keep-alive\r\n";
    return `${text}\r\n`;
  }
}

const REASONS: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 499: "Client Closed Request", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };
