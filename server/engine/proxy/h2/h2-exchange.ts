import http2 from "node:http2";
import { describeFault, type Fault } from "../../../contracts/chaos";
import type { Endpoint, PickRequest } from "../balancers";
import type { Cluster, UpstreamEndpoint } from "../cluster";
import { recordRequest } from "../counters";
import { IDEMPOTENT } from "../exchange";
import { nextRequestId } from "../request-id";
import type { TrafficCounters } from "../types";
import { formatGrpcTimeout, GrpcStatus, httpStatusOf, isGrpc, parseGrpcTimeout } from "./grpc";
import type { H2Upstreams } from "./h2-upstreams";

/** A request body up to this size is kept so the request can be retried on another instance (gRPC: "uncommitted"). */
const RETAIN_BODY_BYTES = 64 * 1024;
const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_FLAG_END_STREAM } = http2.constants;

export type H2Context = {
  upstreams: H2Upstreams;
  /** Counters of the listener (and edge) the stream came through. */
  counters: readonly TrafficCounters[];
};

type Attempt = { endpoint: UpstreamEndpoint; stream: http2.ClientHttp2Stream; connected: () => boolean };

/**
 * One HTTP/2 stream through the proxy: a request balanced on its own (not per connection), its
 * body and response streamed both ways with HTTP/2 flow control (a side that can't take more
 * pauses the other), trailers passed on. For gRPC: the call's status (`grpc-status`, in the
 * trailers or a trailers-only response) is what counts it as an error, `grpc-timeout` bounds the
 * whole call, and a call is retried on another instance only while gRPC allows it — nothing of the
 * response has reached the client, the request is still held whole, and the instance either never
 * saw the call or answered UNAVAILABLE without a response (gRFC A6).
 */
export class H2Exchange implements PickRequest {
  private readonly grpc: boolean;
  private readonly method: string;
  private readonly startedAt = performance.now();
  /** The call's own deadline (performance clock), from grpc-timeout. */
  private readonly callDeadline: number;
  private readonly tried: UpstreamEndpoint[] = [];
  private attempt: Attempt | null = null;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  private bodyRetained = true;
  /** Body beyond what is retained, read before there was an instance to send it to. */
  private readonly held: Buffer[] = [];
  private requestEnded = false;
  private responded = false;
  private responseHeaders: http2.IncomingHttpHeaders = {};
  private trailers: http2.IncomingHttpHeaders | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastError = "";
  private started = false;
  private done = false;

  constructor(
    private readonly downstream: http2.ServerHttp2Stream,
    private readonly headers: http2.IncomingHttpHeaders,
    private readonly cluster: Cluster,
    private readonly context: H2Context,
    readonly clientIp: string,
  ) {
    this.grpc = isGrpc(headers["content-type"]);
    this.method = headers[":method"] ?? "GET";
    const timeout = this.grpc ? parseGrpcTimeout(headerText(headers["grpc-timeout"])) : undefined;
    this.callDeadline = timeout === undefined ? Number.POSITIVE_INFINITY : this.startedAt + timeout;
    downstream.on("error", () => {}); // a reset by the client: "close" below says it
    downstream.on("data", (chunk: Buffer) => this.forwardBody(chunk));
    downstream.once("end", () => {
      this.requestEnded = true;
      this.attempt?.stream.end();
    });
    downstream.once("close", () => {
      if (!this.done) this.abandon();
    });
    downstream.on("wantTrailers", () => downstream.sendTrailers(stringHeaders(this.trailers ?? {})));
  }

  header(lowerCaseName: string): string | undefined {
    return headerText(this.headers[lowerCaseName]);
  }

  excludes(endpoint: Endpoint): boolean {
    const e = endpoint as UpstreamEndpoint;
    return !e.usable(performance.now()) || this.tried.includes(e);
  }

  start(fault?: Fault): void {
    const { cluster } = this;
    if (cluster.inFlight >= cluster.settings.maxConnections) {
      return this.fail(503, GrpcStatus.UNAVAILABLE, `circuit open: service ${cluster.serviceName} has ${cluster.inFlight} requests in flight (limit ${cluster.settings.maxConnections})`);
    }
    this.started = true;
    cluster.requestStarted();
    for (const counters of this.context.counters) counters.inFlight++;
    if (!fault) return this.dispatch();
    if (fault.kind === "error") return this.fail(fault.status, GrpcStatus.UNAVAILABLE, `fault injected: ${describeFault(fault)}`);
    if (fault.kind === "abort") {
      this.downstream.close(NGHTTP2_INTERNAL_ERROR);
      return this.finish(502);
    }
    setTimeout(() => this.done || this.dispatch(), fault.ms);
  }

  private dispatch(): void {
    const endpoint = this.cluster.balancer.pick(this) as UpstreamEndpoint | undefined;
    if (!endpoint) {
      if (this.tried.length === 0) return this.fail(503, GrpcStatus.UNAVAILABLE, `no healthy instance for service ${this.cluster.serviceName}`);
      return this.fail(502, GrpcStatus.UNAVAILABLE, `upstream ${this.lastError}`);
    }
    this.tried.push(endpoint);
    endpoint.active++;
    const now = performance.now();
    const { stream, connected } = this.context.upstreams.request(endpoint, this.upstreamHeaders(now), this.cluster.settings.connectTimeoutMs);
    const attempt: Attempt = { endpoint, stream, connected };
    this.attempt = attempt;
    this.arm(Math.min(now + this.cluster.settings.requestTimeoutMs, this.callDeadline));
    stream.on("error", () => {}); // "close" with its code says what happened
    stream.once("response", (headers, flags) => this.onResponse(attempt, headers, flags));
    stream.once("trailers", (trailers) => (this.trailers = trailers));
    stream.on("data", (chunk: Buffer) => {
      if (!this.downstream.write(chunk)) {
        stream.pause();
        this.downstream.once("drain", () => stream.resume());
      }
    });
    stream.once("end", () => this.onEnd(attempt));
    stream.once("close", () => this.onClose(attempt));
    for (const piece of this.body) stream.write(piece);
    for (const piece of this.held.splice(0)) stream.write(piece);
    if (this.requestEnded) stream.end();
    else if (this.downstream.isPaused()) this.downstream.resume();
  }

  private forwardBody(chunk: Buffer): void {
    if (this.bodyRetained) {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > RETAIN_BODY_BYTES) this.bodyRetained = false;
      else this.body.push(chunk);
    }
    const stream = this.attempt?.stream;
    if (!stream) {
      // Not sent anywhere yet (an injected delay): hold it, and read no more until it can go.
      if (!this.bodyRetained) this.held.push(chunk);
      this.downstream.pause();
    } else if (!stream.write(chunk)) {
      this.downstream.pause();
      stream.once("drain", () => this.downstream.resume());
    }
  }

  private onResponse(attempt: Attempt, headers: http2.IncomingHttpHeaders, flags: number): void {
    if (attempt !== this.attempt || this.done) return;
    if (this.downstream.destroyed) return this.abandon();
    const status = Number(headers[":status"]);
    const trailersOnly = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    const retryable = this.grpc ? trailersOnly && headerText(headers["grpc-status"]) === String(GrpcStatus.UNAVAILABLE) : (status === 502 || status === 503) && IDEMPOTENT.has(this.method);
    if (retryable && this.canRetry()) {
      this.lastError = `${attempt.endpoint.id} answered ${this.grpc ? "UNAVAILABLE" : status}`;
      return this.retry(attempt);
    }
    this.responded = true;
    this.responseHeaders = headers;
    this.arm(this.callDeadline); // the head is in: only the call's own deadline bounds the rest
    this.downstream.respond(stringHeaders(headers), trailersOnly ? { endStream: true } : { waitForTrailers: true });
    if (trailersOnly) this.finish(this.statusOf(headers));
  }

  private onEnd(attempt: Attempt): void {
    if (attempt !== this.attempt || this.done || !this.responded) return;
    this.downstream.end(); // "wantTrailers" sends the instance's trailers
    this.finish(this.statusOf(this.trailers ?? this.responseHeaders));
  }

  /** The upstream stream closed: after a complete response that is nothing; otherwise it failed. */
  private onClose(attempt: Attempt): void {
    attempt.endpoint.active--;
    if (attempt !== this.attempt || this.done) return;
    const { stream, endpoint, connected } = attempt;
    const neverSeen = !connected() || stream.rstCode === NGHTTP2_REFUSED_STREAM;
    this.lastError = `${endpoint.id}: ${!connected() ? "could not connect" : `stream reset (HTTP/2 error ${stream.rstCode})`}`;
    this.cluster.recordOutcome(endpoint, true, performance.now());
    this.attempt = null;
    if (!this.responded) {
      // gRPC: a transport failure is UNAVAILABLE, retryable while uncommitted. Plain HTTP/2: as for HTTP/1.1.
      if ((neverSeen || this.grpc || IDEMPOTENT.has(this.method)) && this.canRetry()) return this.retryAfterClose();
      return this.fail(502, GrpcStatus.UNAVAILABLE, `upstream ${this.lastError}`);
    }
    this.breakOff(502, GrpcStatus.UNAVAILABLE, `upstream ${this.lastError}`);
  }

  private canRetry(): boolean {
    const { cluster } = this;
    const now = performance.now();
    return (
      this.tried.length <= cluster.settings.retries &&
      this.bodyRetained &&
      now < this.callDeadline &&
      cluster.retryAllowed(now) &&
      cluster.endpoints.some((e) => !this.excludes(e))
    );
  }

  private retry(attempt: Attempt): void {
    this.cluster.recordOutcome(attempt.endpoint, true, performance.now());
    this.attempt = null;
    attempt.stream.close(NGHTTP2_CANCEL);
    this.retryAfterClose();
  }

  private retryAfterClose(): void {
    this.cluster.retryTaken();
    this.dispatch();
  }

  /** No response in time: the instance's head (requestTimeoutMs), or the whole call (grpc-timeout). */
  private timedOut(): void {
    if (this.done) return;
    const call = performance.now() >= this.callDeadline;
    const message = call
      ? `deadline of ${Math.round(this.callDeadline - this.startedAt)} ms (grpc-timeout) exceeded`
      : `no response from ${this.attempt?.endpoint.id ?? "any instance"} within ${this.cluster.settings.requestTimeoutMs} ms`;
    this.cancelUpstream();
    if (this.responded) return this.breakOff(504, GrpcStatus.DEADLINE_EXCEEDED, message);
    this.fail(504, GrpcStatus.DEADLINE_EXCEEDED, message);
  }

  /** The client went away: stop the call on the instance too. */
  private abandon(): void {
    this.cancelUpstream();
    this.finish(499);
  }

  private cancelUpstream(): void {
    const attempt = this.attempt;
    this.attempt = null;
    if (attempt && !attempt.stream.closed) attempt.stream.close(NGHTTP2_CANCEL);
  }

  /** An answer of the proxy's own before anything was sent: a trailers-only gRPC status, or an HTTP status with a text body. */
  private fail(status: number, grpcStatus: number, message: string): void {
    if (this.downstream.headersSent || this.downstream.destroyed) return this.finish(status);
    if (this.grpc) {
      this.downstream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(grpcStatus), "grpc-message": grpcMessage(message) }, { endStream: true });
    } else {
      this.downstream.respond({ ":status": status, "content-type": "text/plain; charset=utf-8", "x-gantry-error": String(status) });
      this.downstream.end(`${message}\n`);
    }
    this.finish(status);
  }

  /** Part of the response is out: gRPC gets an error status in the trailers; plain HTTP/2 a reset (the only way to say "incomplete"). */
  private breakOff(status: number, grpcStatus: number, message: string): void {
    if (this.grpc && !this.downstream.destroyed) {
      this.trailers = { "grpc-status": String(grpcStatus), "grpc-message": grpcMessage(message) };
      this.downstream.end();
    } else this.downstream.close(NGHTTP2_INTERNAL_ERROR);
    this.finish(status);
  }

  /** The HTTP status a response counts under: for gRPC, what its grpc-status means (see httpStatusOf). */
  private statusOf(headers: http2.IncomingHttpHeaders): number {
    const status = Number(this.responseHeaders[":status"] ?? headers[":status"]);
    if (!this.grpc || status !== 200) return status;
    return httpStatusOf(headerText(headers["grpc-status"]));
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const { cluster } = this;
    const endpoint = this.attempt?.endpoint ?? this.tried.at(-1);
    if (this.started) {
      cluster.inFlight--;
      for (const counters of this.context.counters) counters.inFlight--;
    }
    if (this.responded && endpoint) cluster.recordOutcome(endpoint, status >= 500, performance.now());
    const seconds = (performance.now() - this.startedAt) / 1000;
    for (const counters of this.context.counters) recordRequest(counters, status, seconds);
    recordRequest(cluster.counters, status, seconds);
    if (endpoint) recordRequest(endpoint.counters, status, seconds);
  }

  private arm(deadline: number): void {
    clearTimeout(this.timer);
    if (Number.isFinite(deadline)) this.timer = setTimeout(() => this.timedOut(), Math.max(0, deadline - performance.now()));
  }

  /** The request as the instance gets it: the client's headers, who forwarded it, and the time the call has left. */
  private upstreamHeaders(now: number): http2.OutgoingHttpHeaders {
    const out = stringHeaders(this.headers);
    const forwardedFor = headerText(this.headers["x-forwarded-for"]);
    out["x-forwarded-for"] = forwardedFor ? `${forwardedFor}, ${this.clientIp}` : this.clientIp;
    if (out["x-forwarded-proto"] === undefined) out["x-forwarded-proto"] = "http";
    if (out["x-request-id"] === undefined) out["x-request-id"] = nextRequestId();
    if (Number.isFinite(this.callDeadline)) out["grpc-timeout"] = formatGrpcTimeout(this.callDeadline - now);
    return out;
  }
}

/** Headers as Node gave them, without its symbol keys (sensitive-header markers) — a plain copy to send on. */
function stringHeaders(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) out[name] = headers[name];
  return out;
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(", ") : value);

/** grpc-message is percent-encoded outside printable ASCII (and '%' itself). */
function grpcMessage(message: string): string {
  return Array.from(Buffer.from(message, "utf8"), (byte) => (byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}
