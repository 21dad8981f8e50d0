import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Env } from "./env";
import { apiClient, fixtureTemplate, startTestGantry, tempDir } from "./testing/gantry";
import { waitFor } from "./testing/wait";

/** Boots a Gantry on `dataDir` (PGlite kept there), runs `work`, stops it. */
async function withGantry<T>(dataDir: string, overrides: Partial<Env>, work: (api: ReturnType<typeof apiClient>) => Promise<T>): Promise<T> {
  const gantry = await startTestGantry({ dataDir, databaseUrl: undefined, ...overrides });
  try {
    return await work(apiClient(gantry));
  } finally {
    await gantry.stop();
  }
}

/** What an instance of the service reads from its environment: the secret opened with today's key. */
async function secretSeenByInstance(api: ReturnType<typeof apiClient>, serviceId: string): Promise<string> {
  const instance = await waitFor(async () => (await api.instances.list.query({ serviceId })).find((i) => i.phase === "Running" && i.ready), "an instance ready");
  return (await fetch(`http://127.0.0.1:${instance.port}/env/API_TOKEN`)).text();
}

describe("secret key rotation", () => {
  it("from the admin action: a new key file, every sealed value re-sealed in one transaction, and the next boot needs only the new key", { timeout: 60_000 }, async () => {
    const dataDir = tempDir("rotate");
    const keyFile = path.join(dataDir, "secret.key");
    const id = await withGantry(dataDir, {}, async (api) => {
      const service = await api.services.create.mutate({ name: "vault", template: { ...fixtureTemplate(), env: { API_TOKEN: "tok-before" }, secretEnv: ["API_TOKEN"] } });
      await api.services.update.mutate({ id: service.id, version: service.version, patch: { template: { env: { API_TOKEN: "tok-rotated" } } } });
      await api.alerts.createReceiver.mutate({ name: "ops", kind: "slack", url: "https://hooks.slack.com/services/T/B/x" });
      const oldKey = fs.readFileSync(keyFile, "utf8");
      // Service row and revision 2 hold tok-rotated, revision 1 tok-before, the Slack receiver its URL: four sealed values.
      expect(await api.settings.rotateSecretKey.mutate()).toEqual({ resealed: 4, unreadable: 0 });
      expect(fs.readFileSync(keyFile, "utf8")).not.toBe(oldKey);
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(await secretSeenByInstance(api, service.id)).toBe("tok-rotated");
      const [event] = await api.events.list.query({ kind: "system.secret-key-rotated" });
      expect(event).toMatchObject({ actor: "bootstrap", message: "re-sealed 4 secret value(s) with the new key" });
      return service.id;
    });
    // The old key stays on disk until a boot has checked nothing needs it any more.
    expect(fs.existsSync(path.join(dataDir, "secret.key.previous"))).toBe(true);
    await withGantry(dataDir, {}, async (api) => {
      expect(fs.existsSync(path.join(dataDir, "secret.key.previous"))).toBe(false);
      expect(await secretSeenByInstance(api, id)).toBe("tok-rotated");
      expect((await api.alerts.receivers.query())[0]?.url).toBe("https://hooks.slack.com/…"); // opened with the new key
      // Rolling back to revision 1 opens its secret with the new key too.
      await api.rollouts.rollback.mutate({ serviceId: id, revision: 1 });
      await waitFor(async () => ((await secretSeenByInstance(api, id)) === "tok-before" ? true : undefined), "revision 1's secret");
    });
  });

  it("through the environment: GANTRY_SECRET_KEY new, GANTRY_SECRET_KEY_PREVIOUS old → re-sealed at boot; the admin action says how", { timeout: 60_000 }, async () => {
    const dataDir = tempDir("rotate-env");
    const [oldKey, newKey] = [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")];
    const id = await withGantry(dataDir, { secretKey: oldKey }, async (api) => {
      const service = await api.services.create.mutate({ name: "vault", template: { ...fixtureTemplate(), env: { API_TOKEN: "tok-env" }, secretEnv: ["API_TOKEN"] } });
      await expect(api.settings.rotateSecretKey.mutate()).rejects.toThrow(/GANTRY_SECRET_KEY_PREVIOUS to the old one/);
      return service.id;
    });
    await withGantry(dataDir, { secretKey: newKey, previousSecretKey: oldKey }, async (api) => {
      const [event] = await api.events.list.query({ kind: "system.secret-key-rotated" });
      expect(event).toMatchObject({ actor: "system", message: "re-sealed 2 secret value(s) with the new key" });
    });
    // The old key is no longer needed at all.
    await withGantry(dataDir, { secretKey: newKey }, async (api) => {
      expect(await secretSeenByInstance(api, id)).toBe("tok-env");
    });
  });
});
