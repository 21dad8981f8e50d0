import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../lib/secret-box";
import { createConfig, type Config } from "../services/config";
import { createRollouts } from "../services/rollouts";
import { createTopology } from "../services/topology";
import { migratedStore, type MigratedStore } from "../testing/store";
import { testBackends } from "../testing/databases";
import { parseConfig } from "./parse";

const root = path.resolve(import.meta.dirname, "../..");

/** The gantry.yaml shown in a README.md section ("Config as code" unless named). */
function readmeExample(heading = "## Config as code"): string {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(heading));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README.md's ${heading} section has no yaml block`);
  return block[1]!;
}

describe("the README's gantry.yaml", () => {
  let store: MigratedStore;
  let config: Config;
  const listenerPorts = { from: 15000, to: 15999 };

  beforeAll(async () => {
    store = await migratedStore(testBackends()[0]!);
    const secrets = createSecretBox(randomBytes(32));
    const topology = createTopology({ prisma: store.prisma, feed: store.feed, secrets, baseDir: root, listenerPorts, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
    const rollouts = createRollouts({ prisma: store.prisma, feed: store.feed, secrets, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" }, preview: () => ({ waves: [], starts: 0, stops: 0, peak: 0, lowestReady: 0 }) });
    config = createConfig({ prisma: store.prisma, feed: store.feed, topology, rollouts, secrets, listenerPorts, reservedPorts: () => undefined, linkHost: { local: "127.0.0.1", swarm: "127.0.0.1" } });
  });
  afterAll(() => store.dispose());

  it("parses", () => {
    const { config: file } = parseConfig(readmeExample());
    expect(Object.keys(file.services)).toEqual(["api", "db"]);
    expect(file.services.api!.dependsOn).toEqual(["db", "payments"]);
  });

  it("parses the Alerts section's example", () => {
    const { config: file } = parseConfig(readmeExample("## Alerts"));
    expect(file.alerts?.rules["checkout-errors"]).toMatchObject({ kind: "error-rate", thresholdPercent: 2, forSeconds: 120 });
    expect(file.alerts?.receivers["on-call"]).toMatchObject({ kind: "slack", url: { fromEnv: "SLACK_WEBHOOK_URL" } });
  });

  it("applies, asking for the secret it refers to, and then exports to the same topology", async () => {
    const yaml = readmeExample();
    const diff = await config.diff({ yaml }, { compareSecrets: true });
    expect(diff.secrets.map((s) => s.variable)).toEqual(["DB_PASSWORD", "POSTGRES_PASSWORD"]);
    const applied = await config.apply({ yaml, secrets: { env: { DB_PASSWORD: "example" } } }, "readme");
    expect(applied.services.map((s) => [s.name, s.action])).toEqual([["api", "created"], ["db", "created"], ["payments", "created"]]);
    expect(applied.dependencies.added).toEqual([{ from: "api", to: "db" }, { from: "api", to: "payments" }]);
    const exported = await config.export({});
    expect((await config.apply({ yaml: exported.yaml }, "readme")).changed).toBe(false);
    expect((await config.diff({ yaml }, { compareSecrets: true })).services.every((s) => s.action === "unchanged")).toBe(true);
  });
});
