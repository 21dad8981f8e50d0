import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { z } from "zod";
import { appRouter } from "../api/router";
import { consulRegistration } from "../contracts/registration";
import { clientMessage } from "../contracts/realtime";
import { adminHeaders, apiClient, fixtureTemplate, startTestGantry, tempDir, type ApiClient } from "../testing/gantry";
import { rawRequest, type RawResponse } from "../testing/http";
import { mutate } from "./mutate";
import { createRandom, fuzzScale, fuzzSeed, type Random } from "./prng";
import { arbitrary, interestingStrings, type KnownIds } from "./values";

type Procedure = { _def: { type: "query" | "mutation"; inputs: z.ZodType[] } };
type Tally = { sent: number; accepted: number; refused: number; failures: Array<{ what: string; input: unknown; status: number; body: string }> };
const tally = (): Tally => ({ sent: 0, accepted: 0, refused: 0, failures: [] });

function count(t: Tally, what: string, input: unknown, res: RawResponse) {
  t.sent++;
  if (res.status >= 500) t.failures.push({ what, input, status: res.status, body: res.body.slice(0, 300) });
  else if (res.status < 400) t.accepted++;
  else t.refused++;
}

const share = (t: Tally) => `${t.sent} sent, ${((t.accepted / Math.max(1, t.sent)) * 100).toFixed(1)}% accepted, ${((t.refused / Math.max(1, t.sent)) * 100).toFixed(1)}% refused, ${t.failures.length} 5xx`;

/** Some state to act on: services (one running), an edge, an external endpoint, a user with a token. */
async function seed(api: ApiClient, base: string): Promise<KnownIds> {
  const web = await api.services.create.mutate({ name: "fz-web", replicas: 1, template: fixtureTemplate() });
  const db = await api.services.create.mutate({ name: "fz-db", replicas: 0, template: { command: "true" }, labels: { team: "payments" } });
  await api.dependencies.create.mutate({ fromId: web.id, toId: db.id });
  await rawRequest(`${base}/v1/agent/service/register`, { method: "PUT", headers: adminHeaders, body: JSON.stringify({ Name: "fz-ext", ID: "fz-ext-1", Port: 9, Check: { TTL: "30s" } }) });
  const user = await api.users.create.mutate({ username: "fz-user", password: "fuzzing password", role: "editor" });
  await api.tokens.create.mutate({ name: "fz", role: "viewer", userId: user.id });
  return known(api);
}

async function known(api: ApiClient): Promise<KnownIds> {
  const [services, dependencies, instances, tokens, users] = await Promise.all([
    api.services.list.query(),
    api.dependencies.list.query(),
    api.instances.list.query({}),
    api.tokens.list.query(),
    api.users.list.query(),
  ]);
  return { services: services.map((s) => s.id), dependencies: dependencies.map((d) => d.id), instances: instances.map((i) => i.id), tokens: tokens.map((t) => t.id), users: users.map((u) => u.id) };
}

/** A generated input, half the time mutated: mostly valid, then nudged off the edge. */
const input = (schema: z.ZodType | undefined, random: Random, ids: KnownIds) => {
  const valid = schema ? arbitrary(schema, random, ids) : undefined;
  return random.chance(0.5) ? mutate(valid ?? {}, random) : valid;
};

async function fuzzTrpc(base: string, random: Random, api: ApiClient, runs: number): Promise<Tally> {
  const t = tally();
  // Removing the admin this run acts as, or rotating keys mid-run, would only end the run early.
  const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>).filter(([name]) => !["settings.rotateSecretKey"].includes(name));
  let ids = await known(api);
  for (let i = 0; i < runs; i++) {
    if (i % 50 === 0) ids = await known(api);
    const [name, procedure] = random.pick(procedures);
    const value = input(procedure._def.inputs[0], random, ids);
    const res =
      procedure._def.type === "query"
        ? await rawRequest(`${base}/api/trpc/${name}${value === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(value))}`}`, { headers: adminHeaders })
        : await rawRequest(`${base}/api/trpc/${name}`, { method: "POST", headers: { ...adminHeaders, "content-type": "application/json" }, body: value === undefined ? "" : JSON.stringify(value) });
    count(t, name, value, res);
  }
  return t;
}

const goodChecks = [{ TTL: "30s" }, { HTTP: "http://127.0.0.1:9/health", Interval: "10s", Timeout: "1s" }, { TCP: "127.0.0.1:9", Interval: "5s" }];

async function fuzzConsul(base: string, random: Random, api: ApiClient, runs: number): Promise<Tally> {
  const t = tally();
  const ids = await known(api);
  const segment = () => encodeURIComponent(random.pick([...interestingStrings, "fz-ext", "fz-ext-1", "service:fz-ext-1"])).replace(/%25/g, random.chance(0.3) ? "%" : "%25");
  for (let i = 0; i < runs; i++) {
    const kind = random.int(0, 3);
    let res: RawResponse;
    let sent: unknown;
    if (kind === 0) {
      // From the contract half the time, from a known-good registration otherwise (the contract's "exactly
      // one of HTTP, TCP, TTL" is rarely met by chance), then perhaps mutated.
      const valid = random.chance(0.5)
        ? arbitrary(consulRegistration, random, ids)
        : { Name: `fz-reg${random.int(0, 20)}`, ID: `fz-reg-${random.int(0, 40)}`, Port: random.int(1, 65535), Tags: ["fz"], Check: random.pick(goodChecks) };
      sent = random.chance(0.5) ? mutate(valid, random) : valid;
      res = await rawRequest(`${base}/v1/agent/service/register`, { method: "PUT", headers: adminHeaders, body: random.chance(0.1) ? JSON.stringify(sent).slice(0, 20) : JSON.stringify(sent) }); // sometimes cut short
    } else if (kind === 1) {
      sent = `/v1/${random.pick(["catalog/service", "health/service", "agent/service/deregister", "agent/check/pass", "agent/check/fail", "catalog/services", "agent/self", "nope"])}/${segment()}`;
      const query = random.pick(["", "?index=1&wait=10ms", "?index=-5", "?index=99999999999999999999&wait=1ms", "?wait=2h&index=1", "?passing&tag=x", "?index=abc&wait=zz"]);
      res = await rawRequest(`${base}${sent}${query}`, { method: random.pick(["GET", "PUT", "POST", "DELETE"]), headers: adminHeaders });
    } else {
      sent = mutate({ Status: random.pick(["passing", "warning", "critical"]), Output: "fuzz" }, random);
      res = await rawRequest(`${base}/v1/agent/check/update/${segment()}`, { method: "PUT", headers: adminHeaders, body: JSON.stringify(sent) });
    }
    count(t, `consul ${kind}`, sent, res);
  }
  return t;
}

async function fuzzWebSocket(base: string, random: Random, api: ApiClient, runs: number): Promise<Tally> {
  const t = tally();
  const ids = await known(api);
  const ws = new WebSocket(`${base.replace("http", "ws")}/api/ws`, { headers: adminHeaders });
  const closes: number[] = [];
  ws.on("close", (code) => closes.push(code));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const answers: string[] = [];
  ws.on("message", (raw) => answers.push(raw.toString()));
  const topics = ["topology", "events", "instances", "catalog", "metrics", "loadgen", "rollouts", ...ids.services.map((id) => `metrics:${id}`), ...ids.instances.map((id) => `logs:${id}`)];
  for (let i = 0; i < runs; i++) {
    const valid = { type: random.pick(["subscribe", "unsubscribe"]), topic: random.pick(topics) };
    const sent = random.chance(0.6) ? mutate(valid, random) : valid;
    ws.send(random.chance(0.1) ? random.pick(interestingStrings) : JSON.stringify(sent));
    t.sent++;
    if (clientMessage.safeParse(sent).success) t.accepted++;
    else t.refused++;
  }
  await new Promise((r) => setTimeout(r, 500));
  if (closes.length > 0) t.failures.push({ what: "websocket", input: null, status: closes[0]!, body: "the socket was closed on a client message" });
  if (answers.some((a) => a.includes("internal"))) t.failures.push({ what: "websocket", input: null, status: 500, body: "an internal error was sent" });
  ws.close();
  return t;
}

describe("fuzz: tRPC, Consul and the WebSocket never answer 5xx, and whatever they accepted boots", () => {
  it("survives seeded generated and mutated inputs, then restarts clean", { timeout: 300_000 }, async () => {
    const seedValue = fuzzSeed();
    const random = createRandom(seedValue);
    const dataDir = tempDir("fuzz");
    const gantry = await startTestGantry({ dataDir, databaseUrl: undefined });
    const results: Record<string, Tally> = {};
    try {
      const api = apiClient(gantry);
      await seed(api, gantry.url);
      results.trpc = await fuzzTrpc(gantry.url, random, api, 400 * fuzzScale());
      results.consul = await fuzzConsul(gantry.url, random, api, 150 * fuzzScale());
      results.websocket = await fuzzWebSocket(gantry.url, random, api, 150 * fuzzScale());
      expect((await rawRequest(`${gantry.url}/healthz`)).status).toBe(200);
    } finally {
      await gantry.stop();
    }
    console.log(`fuzz seed ${seedValue} (FUZZ_SEED replays it): ${Object.entries(results).map(([surface, t]) => `${surface}: ${share(t)}`).join("; ")}`);
    for (const t of Object.values(results)) expect(t.failures).toEqual([]);
    // Generation that never gets past validation tests nothing: some of each must be accepted.
    for (const [surface, t] of Object.entries(results)) expect({ surface, accepted: t.accepted > t.sent * 0.05 }).toEqual({ surface, accepted: true });

    // Everything the API accepted must boot, with no row skipped.
    const again = await startTestGantry({ dataDir, databaseUrl: undefined });
    try {
      expect(await apiClient(again).events.list.query({ kind: "system.row-skipped" })).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
