import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../testing/wait";
import { hasNginx, nginxUpstream } from "./testing/nginx-upstream";
import { cluster, get, proxyFor, rawConversation, upstream } from "./testing/proxy-harness";

if (!hasNginx) console.warn("skipping the smuggling tests against nginx: no nginx binary (apt-get install -y nginx)");

/** An instance behind the proxy and the request lines it has parsed. */
type Service = { port: number; requests(): string[]; close(): Promise<void> };

async function nodeService(): Promise<Service> {
  const node = await upstream("node", (req, res) => {
    req.resume();
    req.on("end", () => res.end(`node ${req.method} ${req.url}\n`));
  });
  return { port: node.port, requests: () => node.requests.map((r) => `${r.method} ${r.url}`), close: () => node.close() };
}

const services: Array<[string, boolean, () => Promise<Service>]> = [
  ["nginx", hasNginx, nginxUpstream],
  ["a Node http server", true, nodeService],
];

const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
const chunkedPost = (body: string) => `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;

describe.each(services)("request smuggling with %s as the service", (_name, available, start) => {
  let service: Service;
  let proxy: Awaited<ReturnType<typeof proxyFor>>;
  let settled = 0;
  beforeAll(async () => {
    if (!available) return;
    service = await start();
    proxy = await proxyFor([cluster("api", [{ id: "i1", host: "127.0.0.1", port: service.port, revision: 1 }])]);
  });
  afterAll(async () => {
    await proxy?.proxy.close();
    await service?.close();
  });

  /** Request lines the service parsed since `before`, once a request sent after the attack has shown up (so a smuggled one would have too). */
  async function seenByServiceSince(before: number): Promise<string[]> {
    const marker = `/settled-${++settled}`;
    expect((await get(proxy.url("api", marker))).status).toBe(200);
    await waitFor(() => (service.requests().some((r) => r.endsWith(marker)) ? true : undefined), `${marker} to reach the service`);
    await new Promise((r) => setTimeout(r, 50));
    return service.requests().slice(before).filter((r) => !r.includes("/settled-"));
  }

  it.runIf(available)("the issue's reproduction: a bare LF ending the trailer section gets a 400 and a close, and the smuggled request never runs", async () => {
    const before = service.requests().length;
    const answer = await rawConversation(proxy.port("api"), chunkedPost(`0\r\n\n${SMUGGLED}`));
    expect(answer.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n(?:.*\r\n)*x-gantry-error: 400\r\n/);
    expect(answer.text.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    expect(answer.closed).toBe(true);
    expect(await seenByServiceSince(before)).not.toContainEqual(expect.stringContaining("/smuggled"));
  });

  it.runIf(available).each([
    ["a bare LF ending a trailer field", chunkedPost(`0\r\nX-Sum: 1\n${SMUGGLED}`)],
    ["a bare CR ending a trailer field", chunkedPost(`0\r\nX-Sum: 1\r${SMUGGLED}`)],
    ["a trailer line that is not a field", chunkedPost(`0\r\n${SMUGGLED}`)],
    ["a folded trailer field", chunkedPost(`0\r\nX-Sum: 1\r\n folded\r\n\r\n${SMUGGLED}`)],
    ["a NUL in a trailer value", chunkedPost(`0\r\nX-Sum: 1\0\r\n\r\n${SMUGGLED}`)],
    ["a bare LF after the last chunk size", chunkedPost(`0\n\r\n${SMUGGLED}`)],
    ["a bare LF after a chunk size", chunkedPost(`5\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["a bare LF after chunk data", chunkedPost(`5\r\nhello\n0\r\n\r\n${SMUGGLED}`)],
    ["a bare LF inside a quoted chunk extension", chunkedPost(`5;a="\n"\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["a bare CR inside a chunk extension", chunkedPost(`5;a=\rb\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["a chunk extension without a name", chunkedPost(`5;\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["an unterminated quoted chunk extension", chunkedPost(`5;a="x\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["whitespace after a chunk size with no extension", chunkedPost(`5 \r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["a 0x chunk size", chunkedPost(`0x5\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["a signed chunk size", chunkedPost(`+5\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
    ["chunked framing on HTTP/1.0", `POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ["a Content-Length padded with a no-break space", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\xa0\r\n\r\n${SMUGGLED}`],
    // Allowed by RFC 9112 but refused by Node's parser: an instance must never read a message otherwise than the proxy.
    ["the same Content-Length twice", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ["an HTAB after the Content-Length", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\t\r\n\r\n${SMUGGLED}`],
    ["whitespace before a chunk extension", chunkedPost(`5 ;a=b\r\nhello\r\n0\r\n\r\n${SMUGGLED}`)],
  ])("refuses %s with a 400 and a close, forwarding nothing smuggled", async (_what, payload) => {
    const before = service.requests().length;
    const answer = await rawConversation(proxy.port("api"), payload);
    expect(answer.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n(?:.*\r\n)*x-gantry-error: 400\r\n/);
    expect(answer.text.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    expect(answer.closed).toBe(true);
    expect(await seenByServiceSince(before)).not.toContainEqual(expect.stringContaining("/smuggled"));
  });

  it.runIf(available).each([
    ["a Content-Length named in Connection (hop-by-hop abuse)", `POST /a HTTP/1.1\r\nHost: x\r\nConnection: content-length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ["chunk extensions and trailer fields", chunkedPost(`5;name="v\\"al";b=c\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n`)],
  ])("passes %s on as one request", async (_what, payload) => {
    const before = service.requests().length;
    const answer = await rawConversation(proxy.port("api"), `${payload.replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n")}`);
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n(nginx|node) POST \/a\n$/);
    expect(await seenByServiceSince(before)).toEqual(["POST /a"]);
  });

  it.runIf(available)("victims sharing upstream connections with attackers always get their own responses", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    // Attacks spread among 900 victims, as in the report (3–4 of 900 victims got the smuggled response).
    const attacks: Array<Promise<unknown>> = [];
    const victims = Array.from({ length: 900 }, (_, i) => {
      if (i % 3 === 0) attacks.push(rawConversation(proxy.port("api"), chunkedPost(`0\r\n\n${SMUGGLED}`), 200));
      return get(proxy.url("api", `/victim-${i}`), { agent });
    });
    const answers = await Promise.all(victims);
    await Promise.all(attacks);
    agent.destroy();
    const wrong = answers.map((a, i) => ({ i, body: a.body })).filter(({ i, body }) => !body.endsWith(` GET /victim-${i}\n`));
    expect(wrong).toEqual([]);
  });
});

describe("a service's malformed or surplus response bytes are never relayed", () => {
  /** A raw TCP "instance" that answers every request with `response`. */
  async function rawService(response: string) {
    const server = net.createServer((socket) => socket.once("data", () => socket.write(response)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const p = await proxyFor([cluster("raw", [{ id: "r1", host: "127.0.0.1", port, revision: 1 }])]);
    return {
      port: p.port("raw"),
      async close() {
        await p.proxy.close();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it("relays none of the bytes a service sends after a complete response, and doesn't reuse that connection", async () => {
    const service = await rawService("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged");
    try {
      const answer = await rawConversation(service.port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      // Each request got the service's first response, /b on a new connection.
      expect(answer.text.match(/\r\n\r\n(ok|forged)/g)).toEqual(["\r\n\r\nok", "\r\n\r\nok"]);
      expect(answer.closed).toBe(true);
    } finally {
      await service.close();
    }
  });

  it.each([
    ["a bare LF ending the trailer section", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"],
    ["a trailer line that is not a field", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHTTP/1.1 200 OK\r\n\r\n"],
    ["a bare LF after chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\n0\r\n\r\n"],
    ["a space before a header's colon", "HTTP/1.1 200 OK\r\nContent-Length : 6\r\n\r\nforged"],
    ["chunked framing on HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
  ])("answers %s with 502 and a close", async (_what, response) => {
    const service = await rawService(response);
    try {
      const answer = await rawConversation(service.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(answer.text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n(?:.*\r\n)*x-gantry-error: 502\r\n/);
      expect(answer.text).not.toContain("forged");
      expect(answer.text.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
      expect(answer.closed).toBe(true);
    } finally {
      await service.close();
    }
  });
});
