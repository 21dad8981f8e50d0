import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseEnv } from "./env";
import { startTestGantry, tempDir, TEST_TOKEN } from "./testing/gantry";
import { rawRequest } from "./testing/http";

const PASSWORD = "correct horse battery staple";

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
function selfSigned() {
  const dir = tempDir("tls");
  const [cert, key] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=gantry-test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert], { stdio: "ignore" });
  return { cert, key, ca: fs.readFileSync(cert, "utf8") };
}

function httpsRequest(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? "GET", headers: options.headers, ca }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("access: listening on a network", () => {
  it("serves TLS on its one port: Secure __Host- cookies, HSTS, and WebSockets over wss", async () => {
    const tls = selfSigned();
    const env = parseEnv({ GANTRY_TLS_CERT: tls.cert, GANTRY_TLS_KEY: tls.key });
    const gantry = await startTestGantry({ access: { ...env.access, bootstrapToken: TEST_TOKEN, admin: { username: "ops", password: PASSWORD } } });
    try {
      expect(gantry.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const login = await httpsRequest(`${gantry.url}/api/auth/login`, tls.ca, {
        method: "POST",
        headers: { "content-type": "application/json", "x-gantry-csrf": "1" },
        body: JSON.stringify({ username: "ops", password: PASSWORD }),
      });
      const setCookie = [login.headers["set-cookie"]].flat()[0]!;
      expect(setCookie).toMatch(/^__Host-gantry_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
      expect(login.headers["strict-transport-security"]).toBe("max-age=31536000");
      const cookie = setCookie.split(";")[0]!;
      expect(JSON.parse((await httpsRequest(`${gantry.url}/api/trpc/account.me`, tls.ca, { headers: { cookie } })).body).result.data.username).toBe("ops");

      const ws = new WebSocket(`${gantry.url.replace("https", "wss")}/api/ws`, { ca: tls.ca, headers: { cookie, origin: gantry.url } });
      const snapshot = new Promise<string>((resolve) => ws.on("message", (raw) => resolve(raw.toString())));
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
      expect(JSON.parse(await snapshot)).toMatchObject({ type: "snapshot", topic: "events" });
      ws.close();
      // Plain HTTP on the TLS port gets nothing useful.
      await expect(rawRequest(`${gantry.url.replace("https", "http")}/healthz`)).rejects.toThrow();
    } finally {
      await gantry.stop();
    }
  });

  it("behind a reverse proxy: answers to GANTRY_PUBLIC_URL's host, believes only trusted proxies' forwarding headers", async () => {
    const env = parseEnv({ GANTRY_PUBLIC_URL: "https://gantry.example.com", GANTRY_TRUST_PROXY: "127.0.0.1" });
    const gantry = await startTestGantry({ access: { ...env.access, bootstrapToken: TEST_TOKEN, admin: { username: "ops", password: PASSWORD } } });
    try {
      expect(gantry.url).toBe("https://gantry.example.com");
      const base = `http://127.0.0.1:${gantry.port}`;
      const proxied = { host: "gantry.example.com", "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7" };
      const login = await rawRequest(`${base}/api/auth/login`, {
        method: "POST",
        headers: { ...proxied, origin: "https://gantry.example.com", "content-type": "application/json", "x-gantry-csrf": "1" },
        body: JSON.stringify({ username: "ops", password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      // The proxy terminated TLS: the cookie is Secure, and the session remembers the real client.
      expect([login.headers["set-cookie"]].flat()[0]).toMatch(/^__Host-gantry_session=.*; Secure$/);
      const cookie = [login.headers["set-cookie"]].flat()[0]!.split(";")[0]!;
      const sessions = JSON.parse((await rawRequest(`${base}/api/trpc/account.sessions`, { headers: { ...proxied, cookie } })).body).result.data;
      expect(sessions[0].address).toBe("203.0.113.7");
      expect((await rawRequest(`${base}/api/trpc/services.list`, { headers: { host: "other.example.com", authorization: `Bearer ${TEST_TOKEN}` } })).status).toBe(421);
    } finally {
      await gantry.stop();
    }
  });

  it("ignores forwarding headers from anyone who is not a trusted proxy", async () => {
    const gantry = await startTestGantry({ access: { ...parseEnv({}).access, bootstrapToken: TEST_TOKEN, admin: { username: "ops", password: PASSWORD } } });
    try {
      const login = await rawRequest(`${gantry.url}/api/auth/login`, {
        method: "POST",
        headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7", "content-type": "application/json", "x-gantry-csrf": "1" },
        body: JSON.stringify({ username: "ops", password: PASSWORD }),
      });
      expect([login.headers["set-cookie"]].flat()[0]).toMatch(/^gantry_session=.*Max-Age=\d+$/);
      const cookie = [login.headers["set-cookie"]].flat()[0]!.split(";")[0]!;
      const [session] = JSON.parse((await rawRequest(`${gantry.url}/api/trpc/account.sessions`, { headers: { cookie } })).body).result.data;
      expect(session.address).toBe("127.0.0.1");
    } finally {
      await gantry.stop();
    }
  });
});
