import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { cluster, endpointOf, get, proxyFor, rawConversation, rawExchange, upstream, type Upstream } from "./testing/proxy-harness";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function upstreams(count: number, handler?: Parameters<typeof upstream>[1]): Promise<Upstream[]> {
  const list = await Promise.all(Array.from({ length: count }, (_, i) => upstream(`i${i + 1}`, handler)));
  cleanup.push(() => Promise.all(list.map((u) => u.close())).then(() => undefined));
  return list;
}

async function proxy(...args: Parameters<typeof proxyFor>) {
  const p = await proxyFor(...args);
  cleanup.push(() => p.proxy.close());
  return p;
}

function agent() {
  const a = new http.Agent({ keepAlive: true, maxSockets: 64 });
  cleanup.push(() => a.destroy());
  return a;
}

describe("proxying HTTP/1.1", () => {
  it("forwards requests and responses, adding X-Forwarded-* and x-request-id and dropping hop-by-hop headers", async () => {
    const [u] = await upstreams(1, (req, res) => {
      res.setHeader("keep-alive", "timeout=5");
      res.setHeader("x-from", "upstream");
      res.end(JSON.stringify(req.headers));
    });
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const res = await get(p.url("api", "/orders?id=7"), { headers: { host: "shop.test", connection: "x-secret", "x-secret": "drop me", "x-forwarded-for": "10.1.1.1" } });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as Record<string, string>;
    expect(seen).toMatchObject({ host: "shop.test", "x-forwarded-for": "10.1.1.1, 127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-host": "shop.test" });
    expect(seen["x-request-id"]).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(seen["x-secret"]).toBeUndefined();
    expect(u!.requests[0]!.url).toBe("/orders?id=7");
    expect(res.headers["x-from"]).toBe("upstream");
    expect(res.headers["keep-alive"]).toBeUndefined();
  });

  it("keeps an incoming x-request-id, and reuses upstream connections", async () => {
    const [u] = await upstreams(1, (req, res) => res.end(String(req.headers["x-request-id"])));
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const a = agent();
    for (let i = 0; i < 20; i++) expect((await get(p.url("api"), { agent: a, headers: { "x-request-id": `req-${i}` } })).body).toBe(`req-${i}`);
    expect(u!.connections).toBe(1);
  });

  it("streams request and response bodies, chunked or not, without buffering them whole", async () => {
    const [u] = await upstreams(1, (req, res) => {
      res.setHeader("content-type", "application/octet-stream");
      req.pipe(res); // chunked echo
    });
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const big = "x".repeat(3 * 1024 * 1024);
    expect((await get(p.url("api"), { method: "POST", body: big })).body.length).toBe(big.length);

    // A chunked upload arriving in pieces; the echo starts before the upload ends.
    const echoed = await new Promise<string>((resolve) => {
      const req = http.request(p.url("api"), { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
          if (body === "first ") req.end("second");
        });
        res.on("end", () => resolve(body));
      });
      req.write("first ");
    });
    expect(echoed).toBe("first second");
  });

  it("answers HTTP/1.0 clients without chunked framing, and pipelined requests in order", async () => {
    const [u] = await upstreams(1, (req, res) => {
      res.write("part1-");
      res.end(`${req.url}`);
    });
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const old = await rawExchange(p.port("api"), "GET /old HTTP/1.0\r\n\r\n");
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(old).not.toMatch(/transfer-encoding/i);
    expect(old).toMatch(/connection: close\r\n\r\npart1-\/old$/);

    const pipelined = await rawExchange(p.port("api"), "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    // Two complete chunked responses, /a's first.
    expect(pipelined.match(/^HTTP\/1\.1 200 OK\r\n/gm)).toHaveLength(2);
    expect([...pipelined.matchAll(/\r\n(\/[ab])\r\n0\r\n\r\n/g)].map((m) => m[1])).toEqual(["/a", "/b"]);
  });

  it("reads the body of a pipelined request that arrives after the request before it was answered", async () => {
    const [u] = await upstreams(1, (req, res) => {
      let bytes = 0;
      req.on("data", (d: Buffer) => (bytes += d.length));
      req.on("end", () => res.end(`${req.url} ${bytes}`));
    });
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const pipelined = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n12345";
    const answer = await rawConversation(p.port("api"), [pipelined, "67890"], 2000, { gapMs: 50 });
    expect(answer.closed).toBe(true);
    expect([...answer.text.matchAll(/\r\n\r\n(\/[ab] \d+)/g)].map((m) => m[1])).toEqual(["/a 0", "/b 10"]);
  });

  it("keeps reading a body that came in many pieces before the upstream connection was up", async () => {
    const [u] = await upstreams(1, (req, res) => {
      let bytes = 0;
      req.on("data", (d: Buffer) => (bytes += d.length));
      req.on("end", () => res.end(`${bytes}`));
    });
    const p = await proxy([cluster("api", [endpointOf(u!)], { requestTimeoutMs: 1500 })]);
    // 100 chunks with extensions: 100 pieces to forward from the first read, while the upstream connection is still opening.
    const head = "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    const answer = await rawConversation(p.port("api"), [head + "1;e\r\nx\r\n".repeat(100), "0\r\n\r\n"], 3000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n100$/);
  });

  it("answers a client that half-closes after its requests (as `printf … | socat` does), then closes", async () => {
    const [u] = await upstreams(1, (req, res) => setTimeout(() => res.end(`done ${req.url}`), 20));
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(p.port("api"), "127.0.0.1");
      let text = "";
      socket.on("data", (d) => (text += d));
      socket.on("close", () => resolve(text));
      socket.end("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    expect([...answer.matchAll(/\r\n\r\n(done \/[ab])/g)].map((m) => m[1])).toEqual(["done /a", "done /b"]);
  });

  it("frames its own error responses to HEAD without a body, so a pipelined request after one is read right", async () => {
    const p = await proxy([cluster("lonely", [])]);
    const answer = await rawExchange(p.port("lonely"), "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const [head, get] = answer.split(/(?=HTTP\/1\.1 )/);
    expect(head).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n(?:.*\r\n)*content-length: 39\r\n(?:.*\r\n)*\r\n$/);
    expect(get).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[^]*\r\n\r\nno healthy instance for service lonely\n$/);
  });

  it("closes after answering when a half-closed client's pipelined request was cut short", async () => {
    const [u] = await upstreams(1, (req, res) => {
      req.resume();
      req.on("end", () => setTimeout(() => res.end(`done ${req.url}`), 50));
    });
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const cutShort = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345";
    const answer = await rawConversation(p.port("api"), cutShort, 2000, { halfClose: true });
    expect(answer.closed).toBe(true);
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ndone \/a$/);
    expect(u!.requests.map((r) => r.url)).toEqual(["/a"]);
  });

  it("says 503 no healthy instance at once when nothing is ready", async () => {
    const p = await proxy([cluster("lonely", [])]);
    const res = await get(p.url("lonely"));
    expect(res).toMatchObject({ status: 503, body: "no healthy instance for service lonely\n" });
    expect(res.headers["x-gantry-error"]).toBe("503");
  });

  it.each([
    ["a malformed request line", "GARBAGE\r\n\r\n", "bad request: malformed request line"],
    ["a bad header", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", "bad request: invalid header name"],
    ["oversize headers", `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, "request headers too large"],
    ["CL and TE together", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both Transfer-Encoding and Content-Length"],
    ["bad chunking", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad request body: invalid chunk size"],
  ])("answers %s with 400 and keeps serving", async (_what, payload, message) => {
    const [u] = await upstreams(1);
    const p = await proxy([cluster("api", [endpointOf(u!)])]);
    const answer = await rawExchange(p.port("api"), payload);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain(message);
    expect((await get(p.url("api"))).body).toBe("i1");
  });
});

describe("resilience", () => {
  it("retries a connection failure on another instance, never the same one twice", async () => {
    const [good] = await upstreams(1);
    const dead = await upstream("dead");
    await dead.close();
    const p = await proxy([cluster("api", [endpointOf(dead), endpointOf(good!)], { policy: "round_robin" })]);
    for (let i = 0; i < 6; i++) expect(await get(p.url("api"))).toMatchObject({ status: 200, body: "i1" });
    const alone = await proxy([cluster("solo", [endpointOf(dead)], { retries: 3 })]);
    const res = await get(alone.url("solo"));
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/^upstream dead \(port \d+\): ECONNREFUSED/);
  });

  it("retries 502/503 for idempotent requests only", async () => {
    const [flaky, good] = await upstreams(2, (req, res, self) => {
      req.resume();
      res.statusCode = self.id === "i1" ? 503 : 200;
      res.end(self.id);
    });
    const p = await proxy([cluster("api", [endpointOf(flaky!), endpointOf(good!)], { policy: "round_robin", outlier: { consecutiveErrors: 100 } })]);
    for (let i = 0; i < 4; i++) expect((await get(p.url("api"))).body).toBe("i2");
    const posts = await Promise.all([0, 1, 2, 3].map(() => get(p.url("api"), { method: "POST", body: "x" })));
    expect(posts.map((r) => r.status).sort()).toEqual([200, 200, 503, 503]);
  });

  it("ejects an instance that keeps answering 500, up to the max ejection share", async () => {
    const [bad, good] = await upstreams(2, (req, res, self) => {
      req.resume();
      res.statusCode = self.id === "i1" ? 500 : 200;
      res.end(self.id);
    });
    const p = await proxy([cluster("api", [endpointOf(bad!), endpointOf(good!)], { policy: "round_robin", outlier: { consecutiveErrors: 3, baseEjectionSeconds: 60 } })]);
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await get(p.url("api"))).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
    expect(statuses.slice(-10).every((s) => s === 200)).toBe(true);
    expect(p.proxy.stats().endpoints.find((e) => e.instanceId === "i1")?.ejected).toBe(true);
  });

  it("breaks the circuit: over maxConnections and maxPendingRequests it answers 503 with a reason", async () => {
    const [slow] = await upstreams(1, (req, res) => setTimeout(() => res.end("slow"), 300));
    const p = await proxy([cluster("api", [endpointOf(slow!)], { maxConnections: 1, maxPendingRequests: 1 })]);
    const results = await Promise.all([0, 1, 2].map(() => get(p.url("api"), { agent: agent() })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 503]);
    expect(results.find((r) => r.status === 503)!.body).toMatch(/^circuit open: service api has 1 requests in flight and 1 waiting/);
  });

  it("answers 504 when the response head doesn't arrive in time", async () => {
    const [stuck] = await upstreams(1, () => {});
    const p = await proxy([cluster("api", [endpointOf(stuck!)], { requestTimeoutMs: 200 })]);
    const res = await get(p.url("api"));
    expect(res.status).toBe(504);
    expect(res.body).toBe("no response from i1 within 200 ms\n");
  });

  it("gives up a try on a hung instance after perTryTimeoutMs and sends GETs elsewhere, then ejects it; a POST is not resent", async () => {
    const [hung, a, b] = await upstreams(3, (req, res, self) => {
      if (self.id === "i1") return; // alive and accepting, never answering (as under SIGSTOP)
      req.resume();
      req.on("end", () => res.end(self.id));
    });
    const p = await proxy([cluster("api", [hung, a, b].map((u) => endpointOf(u!)), { perTryTimeoutMs: 300, requestTimeoutMs: 1500, outlier: { consecutiveErrors: 2, baseEjectionSeconds: 60 } })]);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(p.url("api"), { agent: agent() })));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((r) => r.body))).toEqual(new Set(["i2", "i3"]));
    expect(performance.now() - started).toBeLessThan(1000); // one per-try timeout (and the sweep's 100 ms), not the 1.5 s request timeout
    expect(p.proxy.stats().endpoints.find((e) => e.instanceId === "i1")?.ejected).toBe(true);

    // Not idempotent: a POST that reached the hung instance may have done its work there, so it waits out the request timeout.
    const q = await proxy([cluster("api", [endpointOf(hung!)], { perTryTimeoutMs: 100, requestTimeoutMs: 600 })]);
    const post = await get(q.url("api"), { method: "POST", body: "x" });
    expect(post).toMatchObject({ status: 504, body: "no response from i1 within 600 ms\n" });
  });

  it("with no per-try timeout, sends GETs waiting on an instance that answers nothing elsewhere once others answer, but leaves a slow request on a live instance alone", async () => {
    const hungSeen = { count: 0 };
    const [hung, a, b] = await upstreams(3, (req, res, self) => {
      if (self.id === "i1") return void hungSeen.count++; // alive and accepting, never answering (as under SIGSTOP)
      req.resume();
      req.on("end", () => res.end(self.id));
    });
    // Were the tries on i1 left to the request timeout, they would be answered 504.
    const p = await proxy([cluster("api", [hung, a, b].map((u) => endpointOf(u!)), { requestTimeoutMs: 5000 })]);
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(p.url("api"), { agent: agent() })));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((r) => r.body))).toEqual(new Set(["i2", "i3"]));
    expect(hungSeen.count).toBeGreaterThanOrEqual(2);

    // A slow request on an instance that keeps answering its other requests is not resent.
    const slowSeen = new Map<string, number>();
    const live = await upstreams(2, (req, res, self) => {
      if (req.url === "/slow") slowSeen.set(self.id, (slowSeen.get(self.id) ?? 0) + 1);
      setTimeout(() => res.end(self.id), req.url === "/slow" ? 1800 : 5);
    });
    const q = await proxy([cluster("api", live.map((u) => endpointOf(u!)), { policy: "round_robin", requestTimeoutMs: 5000 })]);
    const slow = get(q.url("api", "/slow"), { agent: agent() });
    for (let i = 0; i < 30; i++) await get(q.url("api"), { agent: agent() });
    expect((await slow).status).toBe(200);
    expect([...slowSeen.values()]).toEqual([1]);
  });

  it("drains: an instance being stopped gets no new requests, and its slow request finishes first", async () => {
    const [a, b] = await upstreams(2, (req, res, self) => setTimeout(() => res.end(self.id), req.url === "/slow" ? 500 : 0));
    const p = await proxy([cluster("api", [endpointOf(a!), endpointOf(b!)], { policy: "round_robin" })]);
    const slow = get(p.url("api", "/slow"));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const drained = p.proxy.drain("i1").then(() => Date.now() - started);
    for (let i = 0; i < 5; i++) expect((await get(p.url("api"))).body).toBe("i2");
    expect((await slow).body).toBe("i1");
    expect(await drained).toBeGreaterThanOrEqual(300);
  });

  it("passes WebSocket upgrades through", async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on("connection", (ws) => ws.on("message", (m) => ws.send(`echo: ${String(m)}`)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => (wss.close(), new Promise<void>((r) => server.close(() => r()))));
    const p = await proxy([cluster("ws", [{ id: "w1", host: "127.0.0.1", port: (server.address() as { port: number }).port, revision: 1 }])]);
    const ws = new WebSocket(`ws://127.0.0.1:${p.port("ws")}/chat`);
    cleanup.push(() => ws.terminate());
    await new Promise((r, j) => ws.once("open", r).once("error", j));
    const reply = new Promise<string>((r) => ws.once("message", (m) => r(String(m))));
    ws.send("hello");
    expect(await reply).toBe("echo: hello");
  });
});

describe("ingress and edges", () => {
  it("routes by host and path prefix, strips prefixes, and 404s the rest", async () => {
    const [web, api] = await upstreams(2, (req, res, self) => res.end(`${self.id} ${req.url}`));
    const p = await proxy([cluster("web", [endpointOf(web!)]), cluster("api", [endpointOf(api!)])], {
      listeners: [{ kind: "ingress", port: 0 }],
      routes: [
        { serviceId: "web", host: null, pathPrefix: "/", stripPrefix: false },
        { serviceId: "api", host: "example.com", pathPrefix: "/api", stripPrefix: true },
      ],
    });
    const ingress = `http://127.0.0.1:${p.port("ingress")}`;
    expect((await get(`${ingress}/api/users`, { headers: { host: "example.com" } })).body).toBe("i2 /users");
    expect((await get(`${ingress}/api/users`, { headers: { host: "other.com" } })).body).toBe("i1 /api/users");
    const none = await proxy([cluster("api", [endpointOf(api!)])], { listeners: [{ kind: "ingress", port: 0 }], routes: [{ serviceId: "api", host: null, pathPrefix: "/api", stripPrefix: false }] });
    const missing = await get(`http://127.0.0.1:${none.port("ingress")}/nothing`);
    expect(missing).toMatchObject({ status: 404, body: "no route for host 127.0.0.1:" + none.port("ingress") + " and path /nothing\n" });
  });

  it("counts each dependency edge on its own listener", async () => {
    const [u] = await upstreams(1);
    const p = await proxy([cluster("users", [endpointOf(u!)])], { listeners: [{ kind: "edge", port: 0, edgeId: "e1", fromId: "api", toId: "users" }] });
    const edgePort = p.port("edge:e1");
    for (let i = 0; i < 3; i++) await get(`http://127.0.0.1:${edgePort}/`);
    await get(p.url("users"));
    const stats = p.proxy.stats().listeners;
    expect(stats.find((l) => l.key === "edge:e1")!.counters.requests["2xx"]).toBe(3);
    expect(stats.find((l) => l.key === "service:users")!.counters.requests["2xx"]).toBe(1);
  });
});

describe("under load while an instance dies", () => {
  it("serves 5,000 requests at 50 concurrency with 0 failures while one instance is killed", async () => {
    const list = await upstreams(3);
    const p = await proxy([cluster("api", list.map((u) => endpointOf(u)), { policy: "least_request" })]);
    const a = agent();
    let sent = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (sent < 5000) {
        sent++;
        if (sent === 1500) list[0]!.server.closeAllConnections(), list[0]!.server.close(); // the instance dies mid-run
        const res = await get(p.url("api"), { agent: a }).catch((err: Error) => ({ status: 0, body: err.message }));
        if (res.status !== 200) failures.push(`${res.status} ${res.body}`);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    expect(failures).toEqual([]);
  }, 60_000);
});

