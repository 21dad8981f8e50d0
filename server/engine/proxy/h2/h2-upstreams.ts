import http2 from "node:http2";
import net from "node:net";
import type { UpstreamEndpoint } from "../cluster";

/** An HTTP/2 connection to one instance, shared by every stream sent there. */
type Upstream = { session: http2.ClientHttp2Session; streams: number; idleSince: number; connected: boolean; openedAt: number; connectTimeoutMs: number };

const IDLE_MS = 30_000;
/** Streams a session may carry before the next request opens another (most servers allow 100 or more). */
const STREAMS_PER_SESSION = 100;

/**
 * Cleartext HTTP/2 (prior knowledge) sessions to instances. Requests are balanced one by one over
 * instances — each request picks its endpoint — and streams to the same instance share its session,
 * so a client's single connection fans out over every instance (what an L4 proxy can't do for gRPC).
 */
export class H2Upstreams {
  private readonly byEndpoint = new Map<UpstreamEndpoint, Upstream[]>();

  /** Opens a stream to `endpoint`, on a session with room or a new one. */
  request(endpoint: UpstreamEndpoint, headers: http2.OutgoingHttpHeaders, connectTimeoutMs: number): { stream: http2.ClientHttp2Stream; connected: () => boolean } {
    const upstream = this.sessionFor(endpoint, connectTimeoutMs);
    const stream = upstream.session.request(headers, { endStream: false });
    upstream.streams++;
    stream.once("close", () => {
      upstream.streams--;
      upstream.idleSince = performance.now();
      if (upstream.streams === 0 && endpoint.draining) upstream.session.close();
    });
    return { stream, connected: () => upstream.connected };
  }

  /** Sessions that failed to connect in time are destroyed (their streams fail and are retried); idle ones closed. */
  sweep(now: number): void {
    for (const [endpoint, upstreams] of this.byEndpoint) {
      for (const upstream of upstreams) {
        if (!upstream.connected && now - upstream.openedAt > upstream.connectTimeoutMs) upstream.session.destroy(new Error(`connect timed out after ${upstream.connectTimeoutMs} ms`));
        else if (upstream.streams === 0 && (endpoint.draining || now - upstream.idleSince > IDLE_MS)) upstream.session.close();
      }
    }
  }

  /** GOAWAY to every instance's sessions once their streams are done. */
  close(): void {
    for (const upstreams of this.byEndpoint.values()) for (const upstream of upstreams) upstream.session.close();
  }

  private sessionFor(endpoint: UpstreamEndpoint, connectTimeoutMs: number): Upstream {
    const upstreams = this.byEndpoint.get(endpoint) ?? [];
    const open = upstreams.find((u) => u.streams < STREAMS_PER_SESSION && !u.session.closed && !u.session.destroyed);
    if (open) return open;
    const now = performance.now();
    const session = http2.connect(`http://${endpoint.host}:${endpoint.port}`, {
      settings: { enablePush: false },
      maxSessionMemory: 64,
      // Small frames (a gRPC call is a few) must leave at once, not wait for an ACK (Nagle).
      createConnection: () => net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true }),
    });
    const upstream: Upstream = { session, streams: 0, idleSince: now, connected: false, openedAt: now, connectTimeoutMs };
    session.once("connect", () => (upstream.connected = true));
    // Errors reach the streams on it; the session itself is just forgotten.
    session.on("error", () => {});
    const forget = () => {
      const list = this.byEndpoint.get(endpoint);
      const at = list?.indexOf(upstream) ?? -1;
      if (at === -1) return;
      list!.splice(at, 1);
      if (list!.length === 0) this.byEndpoint.delete(endpoint);
    };
    session.once("close", forget);
    session.once("goaway", forget); // no new streams on it: the next request opens another
    upstreams.push(upstream);
    this.byEndpoint.set(endpoint, upstreams);
    return upstream;
  }
}
