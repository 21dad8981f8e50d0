import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { appRouter } from "./api/router";
import type { Meta } from "./api/trpc";
import { roles, type Grant, type Role } from "./contracts/access";
import { adminHeaders, apiClient, startTestGantry, TEST_TOKEN, useTestGantry, type ApiClient } from "./testing/gantry";
import { rawRequest } from "./testing/http";
import { waitFor } from "./testing/wait";

const PASSWORD = "correct horse battery staple";

/** A user with this role (and grants), and an API token acting for them with the same reach. */
async function member(api: ApiClient, username: string, role: Role, grants: Grant[] = []) {
  const user = await api.users.create.mutate({ username, password: PASSWORD, role, grants });
  const reach = grants.reduce<Role>((best, g) => (roles.indexOf(g.role) > roles.indexOf(best) ? g.role : best), role);
  const { secret } = await api.tokens.create.mutate({ name: "test", role: reach, userId: user.id });
  return { user, token: secret };
}

/** A tRPC call over HTTP as a browser or script sends it; only the status matters to most tests. */
function trpc(base: string, procedure: string, type: "query" | "mutation", input: unknown, headers: Record<string, string> = {}) {
  if (type === "query") {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return rawRequest(`${base}/api/trpc/${procedure}${query}`, { headers });
  }
  return rawRequest(`${base}/api/trpc/${procedure}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: input === undefined ? "" : JSON.stringify(input) });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signIn(base: string, username: string, password = PASSWORD) {
  const res = await rawRequest(`${base}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-gantry-csrf": "1" }, body: JSON.stringify({ username, password }) });
  const cookie = ([res.headers["set-cookie"]].flat()[0] ?? "").split(";")[0]!;
  return { res, cookie };
}

describe("access: every procedure declares the role it needs, and only that role gets through", () => {
  const server = useTestGantry();

  it("refuses anonymous callers with 401 and lower roles with 403, whatever the input, on every procedure", async () => {
    const base = server.gantry.url;
    const tokens: Partial<Record<Role, string>> = { admin: TEST_TOKEN };
    for (const role of ["viewer", "operator", "editor"] as const) tokens[role] = (await member(server.api, `walker-${role}`, role)).token;

    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation"; meta?: Meta } }>);
    expect(procedures.length).toBeGreaterThan(35);
    const wrong: string[] = [];
    for (const [name, procedure] of procedures) {
      const declared = procedure._def.meta?.access?.role;
      if (!declared) {
        wrong.push(`${name} declares no role`);
        continue;
      }
      const needed: Role = declared === "log-reader" ? "viewer" : declared;
      const status = async (token?: string) => (await trpc(base, name, procedure._def.type, undefined, token ? bearer(token) : {})).status;
      const anonymous = await status();
      if (anonymous !== 401) wrong.push(`${name}: anonymous got ${anonymous}`);
      for (const role of roles) {
        const got = await status(tokens[role]);
        const allowed = roles.indexOf(role) >= roles.indexOf(needed);
        if (!allowed && got !== 403) wrong.push(`${name}: ${role} got ${got}, wanted 403 (needs ${needed})`);
        if (allowed && (got === 401 || got === 403)) wrong.push(`${name}: ${role} got ${got} though it holds ${needed}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("says who may do what in the refusal, and refuses valid input just the same", async () => {
    const { token } = await member(server.api, "read-only", "viewer");
    const service = await server.api.services.create.mutate({ name: "guarded", replicas: 0, template: { command: "true" } });
    const res = await trpc(server.gantry.url, "services.scale", "mutation", { id: service.id, replicas: 3 }, bearer(token));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toBe("this needs the operator role; you are viewer");
    expect((await server.api.services.get.query({ id: service.id })).replicas).toBe(0);
  });

  it("lets a label grant act only on services carrying the label", async () => {
    const { token } = await member(server.api, "payments-dev", "viewer", [{ role: "editor", label: "team=payments" }]);
    const dev = apiClient(server.gantry, token);
    const ours = await dev.services.create.mutate({ name: "ledger", replicas: 0, template: { command: "true" }, labels: { team: "payments" } });
    await expect(dev.services.create.mutate({ name: "stray", replicas: 0, template: { command: "true" } })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    const theirs = await server.api.services.create.mutate({ name: "search", replicas: 0, template: { command: "true" }, labels: { team: "search" } });

    expect((await dev.services.scale.mutate({ id: ours.id, replicas: 0 })).id).toBe(ours.id);
    await expect(dev.services.scale.mutate({ id: theirs.id, replicas: 1 })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    await expect(dev.services.update.mutate({ id: ours.id, version: ours.version, patch: { labels: { team: "search" } } })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    await expect(dev.dependencies.create.mutate({ fromId: theirs.id, toId: ours.id })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    expect((await dev.dependencies.create.mutate({ fromId: ours.id, toId: theirs.id })).fromId).toBe(ours.id);
    expect((await server.api.services.get.query({ id: theirs.id })).replicas).toBe(0);
  });

  it("never hands out more than one holds: tokens are capped at the maker's and the owner's reach", async () => {
    const { user, token } = await member(server.api, "op-maker", "operator");
    const maker = apiClient(server.gantry, token);
    await expect(maker.tokens.create.mutate({ name: "too-much", role: "editor" })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    const { user: other } = await member(server.api, "someone", "viewer");
    await expect(maker.tokens.create.mutate({ name: "for-other", role: "viewer", userId: other.id })).rejects.toMatchObject({ data: { httpStatus: 403 } });
    await expect(server.api.tokens.create.mutate({ name: "over-owner", role: "admin", userId: user.id })).rejects.toMatchObject({ data: { httpStatus: 400 } });
    const created = await maker.tokens.create.mutate({ name: "ci", role: "viewer" });
    expect(created.secret).toMatch(/^gantry_[\w-]{43}$/);
    expect((await maker.tokens.list.query()).map((t) => t.name).sort()).toEqual(["ci", "test"]);
  });
});

describe("access: the local web can't drive Gantry", () => {
  const server = useTestGantry();
  const marker = path.join(os.tmpdir(), `gantry-pwned-${process.pid}-${Date.now()}`);
  const attack = { name: "pwned", template: { command: "touch", args: [marker] } };

  /** Nothing was created, nothing ran: no service row, no marker file, no process touching it. */
  async function unchanged() {
    await new Promise((r) => setTimeout(r, 300));
    expect((await server.api.services.list.query()).map((s) => s.name)).not.toContain("pwned");
    expect(fs.existsSync(marker)).toBe(false);
    const touching = fs
      .readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
        } catch {
          return false;
        }
      });
    expect(touching).toEqual([]);
  }

  it("refuses a foreign Host (DNS rebinding), a foreign Origin, form and text bodies, GET mutations and a cookie without the header", async () => {
    const base = server.gantry.url;
    const port = server.gantry.port;
    const body = JSON.stringify(attack);
    const admin = await server.api.users.create.mutate({ username: "victim", password: PASSWORD, role: "admin" });
    expect(admin.role).toBe("admin");
    const { cookie } = await signIn(base, "victim");
    expect(cookie).toMatch(/^gantry_session=/);

    const tries: Array<{ what: string; status: number; headers: Record<string, string> }> = [
      { what: "foreign Host", status: 421, headers: { host: `evil.example:${port}`, ...adminHeaders, "content-type": "application/json" } },
      { what: "foreign Host, rebinding a cookie", status: 421, headers: { host: `evil.example:${port}`, cookie, "x-gantry-csrf": "1", "content-type": "application/json" } },
      { what: "foreign Origin", status: 403, headers: { origin: "http://evil.example", cookie, "x-gantry-csrf": "1", "content-type": "application/json" } },
      { what: "another local origin", status: 403, headers: { origin: "http://127.0.0.1:8081", cookie, "x-gantry-csrf": "1", "content-type": "application/json" } },
      { what: "cookie without the CSRF header", status: 403, headers: { origin: base, cookie, "content-type": "application/json" } },
      { what: "text/plain body", status: 415, headers: { cookie, "x-gantry-csrf": "1", "content-type": "text/plain" } },
      { what: "form body", status: 415, headers: { cookie, "x-gantry-csrf": "1", "content-type": "application/x-www-form-urlencoded" } },
      { what: "no content type", status: 415, headers: { ...adminHeaders } },
    ];
    for (const attempt of tries) {
      const res = await rawRequest(`${base}/api/trpc/services.create`, { method: "POST", headers: attempt.headers, body });
      expect({ what: attempt.what, status: res.status }).toEqual({ what: attempt.what, status: attempt.status });
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    }
    const viaGet = await rawRequest(`${base}/api/trpc/services.create?input=${encodeURIComponent(body)}`, { headers: { cookie } });
    expect(viaGet.status).toBe(405);
    const preflight = await rawRequest(`${base}/api/trpc/services.create`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-gantry-csrf" } });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    // Queries by a rebinding page are refused too: it would read the topology.
    expect((await rawRequest(`${base}/api/trpc/services.list`, { headers: { host: `attacker.example:${port}`, ...adminHeaders } })).status).toBe(421);
    await unchanged();

    // The same request from the dashboard's own origin goes through: the checks are not blanket refusals.
    const ok = await rawRequest(`${base}/api/trpc/services.create`, { method: "POST", headers: { origin: base, cookie, "x-gantry-csrf": "1", "content-type": "application/json" }, body: JSON.stringify({ name: "legit", replicas: 0, template: { command: "true" } }) });
    expect(ok.status).toBe(200);
  });

  it("refuses cross-site and anonymous WebSockets before any topic is served", async () => {
    const url = `${server.gantry.url.replace("http", "ws")}/api/ws`;
    const { cookie } = await signIn(server.gantry.url, "victim");
    const handshake = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => (ws.close(), resolve(101)));
        ws.on("error", () => resolve(-1));
      });
    expect(await handshake({ origin: "http://evil.example", cookie })).toBe(403);
    expect(await handshake({ origin: "http://evil.example", ...adminHeaders })).toBe(403);
    expect(await handshake({ host: `evil.example:${server.gantry.port}`, ...adminHeaders })).toBe(421);
    expect(await handshake({})).toBe(401);
    expect(await handshake({ cookie })).toBe(403); // a cookie-borne socket must say where it comes from
    expect(await handshake({ origin: server.gantry.url, cookie })).toBe(101);
    expect(await handshake(adminHeaders)).toBe(101);
  });

  it("needs a token for Consul writes (editor) and check updates (operator); reads stay closed unless opened", async () => {
    const base = server.gantry.url;
    const registration = JSON.stringify({ Name: "intruder", ID: "intruder-1", Address: "127.0.0.1", Port: 9, Check: { TTL: "30s" } });
    const register = (headers: Record<string, string>, type = "text/plain") =>
      rawRequest(`${base}/v1/agent/service/register`, { method: "PUT", headers: { "content-type": type, ...headers }, body: registration });
    const { token: viewer } = await member(server.api, "consul-viewer", "viewer");
    const { token: operator } = await member(server.api, "consul-operator", "operator");
    const { token: editor } = await member(server.api, "consul-editor", "editor");

    const refused: Array<Record<string, string>> = [{}, { origin: "http://evil.example" }, { "x-consul-token": "not-a-token" }, { "x-consul-token": viewer }, { "x-consul-token": operator }];
    for (const headers of refused) {
      const res = await register(headers);
      expect(res.status).toBe(403);
      expect(res.body).toMatch(/^Permission denied|cross-origin/);
    }
    expect((await rawRequest(`${base}/v1/catalog/services`)).status).toBe(403);
    expect(JSON.parse((await rawRequest(`${base}/v1/catalog/services`, { headers: { "x-consul-token": viewer } })).body)).not.toHaveProperty("intruder");

    expect((await register({ "x-consul-token": editor })).status).toBe(200);
    expect((await rawRequest(`${base}/v1/agent/check/pass/service:intruder-1`, { method: "PUT", headers: { "x-consul-token": viewer } })).status).toBe(403);
    expect((await rawRequest(`${base}/v1/agent/check/pass/service:intruder-1`, { method: "PUT", headers: { "x-consul-token": operator } })).status).toBe(200);
    const events = await server.api.events.list.query({ kind: "registration", actor: "user:consul-editor" });
    expect(events.map((e) => e.actor)).toContain("token:consul-editor/test");
  });

  it("answers /metrics and Prometheus SD only to a viewer, and sends its security headers everywhere", async () => {
    const base = server.gantry.url;
    const { token } = await member(server.api, "prometheus", "viewer");
    expect((await rawRequest(`${base}/metrics`)).status).toBe(401);
    expect((await rawRequest(`${base}/api/sd/prometheus`)).status).toBe(401);
    expect((await rawRequest(`${base}/metrics`, { headers: bearer(token) })).body).toMatch(/^process_resident_memory_bytes/m);
    expect((await rawRequest(`${base}/api/sd/prometheus`, { headers: bearer(token) })).status).toBe(200);
    for (const url of [`${base}/healthz`, `${base}/api/trpc/services.list`, `${base}/metrics`]) {
      const { headers } = await rawRequest(url);
      expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(headers).toMatchObject({ "x-content-type-options": "nosniff", "referrer-policy": "same-origin", "x-frame-options": "DENY" });
    }
  });
});

describe("access: anonymous reads opened one setting at a time", () => {
  const server = useTestGantry(() => ({ access: { ...startDefaults(), anonymous: { metrics: true, sd: false, catalog: true } } }));

  it("serves what was opened and nothing else; writes always need a token", async () => {
    const base = server.gantry.url;
    expect((await rawRequest(`${base}/metrics`)).status).toBe(200);
    expect((await rawRequest(`${base}/api/sd/prometheus`)).status).toBe(401);
    expect((await rawRequest(`${base}/v1/catalog/services`)).status).toBe(200);
    expect((await rawRequest(`${base}/v1/agent/service/register`, { method: "PUT", body: JSON.stringify({ Name: "x", Port: 1 }) })).status).toBe(403);
    expect((await trpc(base, "services.list", "query", undefined)).status).toBe(401);
  });
});

/** The parsed defaults of the access settings, for tests that change one of them. */
function startDefaults() {
  return { publicUrl: undefined, trustProxy: [], tls: undefined, admin: undefined, bootstrapToken: TEST_TOKEN, logRole: "viewer" as const, sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, anonymous: { metrics: false, sd: false, catalog: false }, oidc: undefined };
}

describe("access: signing in, sessions and tokens", () => {
  const server = useTestGantry();

  it("never says whether a user exists, and slows down guessing per account with growing delays", async () => {
    const base = server.gantry.url;
    await server.api.users.create.mutate({ username: "guessed", password: PASSWORD, role: "viewer" });
    const unknown = await signIn(base, "nobody-here", "wrong password 1");
    const wrong = await signIn(base, "guessed", "wrong password 1");
    expect([unknown.res.status, unknown.res.body]).toEqual([401, JSON.stringify({ error: "wrong username or password" })]);
    expect([wrong.res.status, wrong.res.body]).toEqual([unknown.res.status, unknown.res.body]);
    for (let i = 2; i <= 6; i++) expect((await signIn(base, "guessed", `wrong password ${i}`)).res.status).toBe(401);
    const blocked = await signIn(base, "guessed"); // the right password, but too soon
    expect(blocked.res.status).toBe(429);
    expect(Number(blocked.res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(blocked.cookie).toBe("");
    await new Promise((r) => setTimeout(r, 1100));
    expect((await signIn(base, "guessed")).res.status).toBe(200);
  });

  it("keeps the session in an HTTP-only, SameSite=Lax cookie; logout ends it", async () => {
    const base = server.gantry.url;
    await server.api.users.create.mutate({ username: "cookie-user", password: PASSWORD, role: "operator" });
    const { res, cookie } = await signIn(base, "cookie-user");
    expect(res.headers["set-cookie"]![0]).toMatch(/^gantry_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const me = await trpc(base, "account.me", "query", undefined, { cookie });
    expect(JSON.parse(me.body).result.data).toMatchObject({ username: "cookie-user", role: "operator", kind: "user" });
    const out = await rawRequest(`${base}/api/auth/logout`, { method: "POST", headers: { cookie, "x-gantry-csrf": "1" } });
    expect(out.headers["set-cookie"]![0]).toMatch(/^gantry_session=; .*Max-Age=0/);
    expect((await trpc(base, "account.me", "query", undefined, { cookie })).status).toBe(401);
  });

  it("ends every session of a user whose role changes, closing their live sockets, and lists and ends sessions on request", async () => {
    const base = server.gantry.url;
    const user = await server.api.users.create.mutate({ username: "demoted", password: PASSWORD, role: "editor" });
    const [first, second] = [await signIn(base, "demoted"), await signIn(base, "demoted")];
    const sessions = JSON.parse((await trpc(base, "account.sessions", "query", undefined, { cookie: first.cookie })).body).result.data as Array<{ id: string; current: boolean }>;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);

    const ws = new WebSocket(`${base.replace("http", "ws")}/api/ws`, { headers: { cookie: second.cookie, origin: base } });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const closed = new Promise<number>((resolve) => ws.once("close", resolve));
    await server.api.users.update.mutate({ id: user.id, role: "viewer" });
    expect(await closed).toBe(4403);
    for (const { cookie } of [first, second]) expect((await trpc(base, "account.me", "query", undefined, { cookie })).status).toBe(401);

    const third = await signIn(base, "demoted");
    const fourth = await signIn(base, "demoted");
    const other = (JSON.parse((await trpc(base, "account.sessions", "query", undefined, { cookie: third.cookie })).body).result.data as Array<{ id: string; current: boolean }>).find((s) => !s.current)!;
    expect((await trpc(base, "account.endSession", "mutation", { id: other.id }, { cookie: third.cookie, "x-gantry-csrf": "1" })).status).toBe(200);
    expect((await trpc(base, "account.me", "query", undefined, { cookie: fourth.cookie })).status).toBe(401);
    expect((await trpc(base, "account.signOutEverywhere", "mutation", undefined, { cookie: third.cookie, "x-gantry-csrf": "1" })).status).toBe(200);
    expect((await trpc(base, "account.me", "query", undefined, { cookie: third.cookie })).status).toBe(401);
  });

  it("refuses a revoked or expired token at once, records when a token was last used, and names it on what it did", async () => {
    const { token } = await member(server.api, "ci-bot", "operator");
    const bot = apiClient(server.gantry, token);
    const service = await server.api.services.create.mutate({ name: "scaled-by-ci", replicas: 0, template: { command: "true" } });
    await bot.services.scale.mutate({ id: service.id, replicas: 0 });
    await bot.services.scale.mutate({ id: service.id, replicas: 1 });
    await bot.services.scale.mutate({ id: service.id, replicas: 0 });
    const [scaled] = await server.api.events.list.query({ serviceId: service.id, kind: "service.scaled" });
    expect(scaled!.actor).toBe("token:ci-bot/test");
    const listed = (await server.api.tokens.list.query()).find((t) => t.username === "ci-bot")!;
    expect(listed.lastUsedAt).not.toBeNull();
    await server.api.tokens.revoke.mutate({ id: listed.id });
    await expect(bot.services.list.query()).rejects.toMatchObject({ data: { httpStatus: 401 } });
  });

  it("keeps at least one admin: the last one can't be demoted, disabled or deleted", async () => {
    const server2 = await startTestGantry({}, {});
    try {
      const api = apiClient(server2);
      const only = await api.users.create.mutate({ username: "sole-admin", password: PASSWORD, role: "admin" });
      await expect(api.users.update.mutate({ id: only.id, role: "editor" })).rejects.toThrow("last active admin");
      await expect(api.users.update.mutate({ id: only.id, disabled: true })).rejects.toThrow("last active admin");
      await expect(api.users.delete.mutate({ id: only.id })).rejects.toThrow("last active admin");
      await api.users.create.mutate({ username: "second-admin", password: PASSWORD, role: "admin" });
      expect((await api.users.update.mutate({ id: only.id, role: "editor" })).role).toBe("editor");
    } finally {
      await server2.stop();
    }
  });
});

describe("access: the first start", () => {
  it("prints a one-time setup link that creates the first admin and signs them in, then closes", async () => {
    const gantry = await startTestGantry();
    try {
      expect(gantry.setupUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/setup\?token=[\w-]{43}$/);
      const token = new URL(gantry.setupUrl!).searchParams.get("token");
      const setup = (body: unknown) => rawRequest(`${gantry.url}/api/auth/setup`, { method: "POST", headers: { "content-type": "application/json", "x-gantry-csrf": "1" }, body: JSON.stringify(body) });
      expect(JSON.parse((await rawRequest(`${gantry.url}/api/auth/options`)).body)).toEqual({ setupRequired: true, oidc: null });
      expect((await setup({ token: "guess", username: "root", password: PASSWORD })).status).toBe(403);
      const short = await setup({ token, username: "root", password: "short" });
      expect([short.status, JSON.parse(short.body)]).toEqual([400, { error: "passwords are at least 10 characters", field: "password" }]);
      const done = await setup({ token, username: "Root", password: PASSWORD });
      expect(done.status).toBe(200);
      const cookie = ([done.headers["set-cookie"]].flat()[0] ?? "").split(";")[0]!;
      expect(JSON.parse((await trpc(gantry.url, "account.me", "query", undefined, { cookie })).body).result.data).toMatchObject({ username: "root", role: "admin" });
      expect((await setup({ token, username: "second", password: PASSWORD })).status).toBe(409);
      expect(JSON.parse((await rawRequest(`${gantry.url}/api/auth/options`)).body).setupRequired).toBe(false);
    } finally {
      await gantry.stop();
    }
  });

  it("creates the admin headless from GANTRY_ADMIN_PASSWORD, and prints no setup link", async () => {
    const gantry = await startTestGantry({ access: { ...startDefaults(), admin: { username: "ops", password: PASSWORD } } });
    try {
      expect(gantry.setupUrl).toBeUndefined();
      expect((await signIn(gantry.url, "ops")).res.status).toBe(200);
    } finally {
      await gantry.stop();
    }
  });
});

describe("access: a session that ends while a socket is open", () => {
  const server = useTestGantry();

  it("closes a token's socket when the token is revoked", async () => {
    const { user, token } = await member(server.api, "socket-bot", "viewer");
    const ws = new WebSocket(`${server.gantry.url.replace("http", "ws")}/api/ws`, { headers: bearer(token) });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const closed = new Promise<number>((resolve) => ws.once("close", resolve));
    const listed = (await server.api.tokens.list.query()).find((t) => t.userId === user.id)!;
    await server.api.tokens.revoke.mutate({ id: listed.id });
    expect(await closed).toBe(4401);
    await waitFor(async () => ((await trpc(server.gantry.url, "services.list", "query", undefined, bearer(token))).status === 401 ? true : undefined), "token refused");
  });
});

describe("access: GANTRY_LOG_ROLE keeps instance logs to a role", () => {
  const server = useTestGantry(() => ({ access: { ...startDefaults(), logRole: "operator" as const } }));

  it("refuses a viewer's log search and log topic, and lets an operator in", async () => {
    const { token: viewer } = await member(server.api, "log-viewer", "viewer");
    const { token: operator } = await member(server.api, "log-operator", "operator");
    const input = { instanceId: "web-abcde", tail: 10 };
    expect((await trpc(server.gantry.url, "logs.search", "query", input, bearer(viewer))).status).toBe(403);
    expect((await trpc(server.gantry.url, "logs.search", "query", input, bearer(operator))).status).not.toBe(403);
    const topicAnswer = async (token: string) => {
      const ws = new WebSocket(`${server.gantry.url.replace("http", "ws")}/api/ws`, { headers: bearer(token) });
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const answer = new Promise<string>((resolve) => ws.once("message", (raw) => resolve(raw.toString())));
      ws.send(JSON.stringify({ type: "subscribe", topic: "logs:web-abcde" }));
      const text = await answer;
      ws.close();
      return text;
    };
    expect(JSON.parse(await topicAnswer(viewer))).toEqual({ type: "error", message: "not allowed to watch logs:web-abcde" });
    expect(await topicAnswer(operator)).not.toContain("not allowed");
    const me = JSON.parse((await trpc(server.gantry.url, "account.me", "query", undefined, bearer(viewer))).body).result.data;
    expect(me.logRole).toBe("operator");
  });
});
