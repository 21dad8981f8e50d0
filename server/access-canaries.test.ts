import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "./lib/logger";
import { testBackends } from "./testing/databases";
import { parseEnv } from "./env";
import { apiClient, startTestGantry, tempDir } from "./testing/gantry";
import { rawRequest } from "./testing/http";

/** Every file under `dir`, read as bytes: which of them holds `needle`? */
function filesHolding(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle);
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file).includes(bytes)) found.push(file);
  }
  return found;
}

/**
 * Plants canary secrets — a password, a wrong password, a session id, an API token, a bootstrap
 * token — uses each the way people do, then searches everything Gantry wrote (its log at trace
 * level, the data dir, a pg_dump of the database, every API answer) for them in plain text.
 */
describe.each(testBackends())("access: no secret at rest or in logs ($name)", (backend) => {
  it("keeps passwords, session ids and tokens out of logs, the data dir, the database and API answers", { timeout: 60_000 }, async () => {
    const canary = `canary-${Date.now().toString(36)}`;
    const password = `${canary}-password`;
    const wrongPassword = `${canary}-wrong-password`;
    const bootstrapToken = `${canary}-bootstrap-token-0123456789`;
    const dataDir = tempDir("canaries");
    const logFile = path.join(dataDir, "..", `${path.basename(dataDir)}.log`);
    const database = await backend.create();
    const databaseUrl = database.url === "pglite:memory" ? undefined : database.url; // PGlite: in the data dir, so it is searched too
    const gantry = await startTestGantry(
      { dataDir, databaseUrl, access: { ...parseEnv({}).access, bootstrapToken } },
      { log: createLogger("trace", fs.createWriteStream(logFile)) },
    );
    const secrets: Record<string, string> = { password, wrongPassword, bootstrapToken };
    const answers: string[] = [];
    try {
      const admin = apiClient(gantry, bootstrapToken);
      const user = await admin.users.create.mutate({ username: "canary-user", password, role: "editor" });
      const login = (pw: string) =>
        rawRequest(`${gantry.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-gantry-csrf": "1" }, body: JSON.stringify({ username: "canary-user", password: pw }) });
      expect((await login(wrongPassword)).status).toBe(401);
      const signedIn = await login(password);
      secrets.session = /gantry_session=([^;]+)/.exec([signedIn.headers["set-cookie"]].flat()[0]!)![1]!;
      const cookie = `gantry_session=${secrets.session}`;
      const token = await admin.tokens.create.mutate({ name: "canary", role: "editor", userId: user.id });
      secrets.token = token.secret;

      // Use each the way people do: the dashboard, a script, Consul clients; and change a password.
      const asCookie = { cookie, "x-gantry-csrf": "1", "content-type": "application/json" };
      answers.push((await rawRequest(`${gantry.url}/api/trpc/services.create`, { method: "POST", headers: asCookie, body: JSON.stringify({ name: "by-cookie", replicas: 0, template: { command: "true" } }) })).body);
      const asToken = apiClient(gantry, token.secret);
      await asToken.services.create.mutate({ name: "by-token", replicas: 0, template: { command: "true" } });
      answers.push((await rawRequest(`${gantry.url}/v1/catalog/services`, { headers: { "x-consul-token": token.secret } })).body);
      answers.push((await rawRequest(`${gantry.url}/metrics`, { headers: { authorization: `Bearer ${token.secret}` } })).body);
      const nextPassword = `${canary}-next-password`;
      secrets.nextPassword = nextPassword;
      answers.push((await rawRequest(`${gantry.url}/api/trpc/account.changePassword`, { method: "POST", headers: asCookie, body: JSON.stringify({ current: password, next: nextPassword }) })).body);
      answers.push(JSON.stringify(await admin.users.list.query()));
      answers.push(JSON.stringify(await admin.tokens.list.query()));
      answers.push(JSON.stringify(await asToken.events.list.query({ limit: 500 })));
      answers.push((await rawRequest(`${gantry.url}/api/trpc/account.sessions`, { headers: { cookie } })).body);
      answers.push((await rawRequest(`${gantry.url}/api/trpc/account.me`, { headers: { cookie } })).body);
      // A wrong bootstrap token in a header is a secret too (someone's typo of the real one).
      await rawRequest(`${gantry.url}/api/trpc/services.list`, { headers: { authorization: `Bearer ${canary}-mistyped-token` } });
      secrets.mistypedToken = `${canary}-mistyped-token`;
    } finally {
      await gantry.stop();
    }
    const dump = databaseUrl ? execFileSync("pg_dump", ["--no-owner", databaseUrl], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }) : "";
    await database.drop();

    const log = fs.readFileSync(logFile, "utf8");
    expect(log).toContain("sign-in refused"); // the log did record what happened…
    expect(dump.includes("canary-user") || filesHolding(dataDir, "canary-user").length > 0).toBe(true); // …and the database what was stored
    for (const [what, secret] of Object.entries(secrets)) {
      expect({ what, inLog: log.includes(secret) }).toEqual({ what, inLog: false });
      expect({ what, inDataDir: filesHolding(dataDir, secret) }).toEqual({ what, inDataDir: [] });
      expect({ what, inDump: dump.includes(secret) }).toEqual({ what, inDump: false });
      expect({ what, inAnswers: answers.some((a) => a.includes(secret)) }).toEqual({ what, inAnswers: false });
    }
    for (const column of ["passwordHash", "secretHash"]) expect(answers.some((a) => a.includes(column))).toBe(false);
  });
});
