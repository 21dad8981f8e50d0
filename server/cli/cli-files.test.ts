import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/parse";
import { apiClient, startTestGantry, tempDir, TEST_TOKEN, useTestGantry } from "../testing/gantry";
import { runCli } from "./cli-process";

const fixtures = path.join(import.meta.dirname, "../config/fixtures");
const noServer = () => ({ XDG_CONFIG_HOME: tempDir("cli-config") });

describe("gantry import, export --format kubernetes and db copy", () => {
  const t = useTestGantry();

  it("imports a real docker-compose file into a gantry.yaml that parses, with what it couldn't translate on stderr — no server needed", async () => {
    const result = await runCli(["import", "compose", path.join(fixtures, "nginx-golang-postgres-rabbitmq.compose.yaml")], noServer());
    expect(result.code).toBe(0);
    const { config } = parseConfig(result.stdout);
    expect(Object.keys(config.services).sort()).toEqual(expect.arrayContaining(["backend", "db", "proxy"]));
    expect(result.stderr).toMatch(/^not translated \(\d+\):\n {2}\S/);
    expect(result.stdout).not.toMatch(/password: [^{]/i);

    const procfile = await runCli(["import", "procfile", path.join(fixtures, "Procfile")], noServer());
    expect(procfile.code).toBe(0);
    expect(Object.keys(parseConfig(procfile.stdout).config.services)).toContain("web");
  });

  it("refuses a file that isn't compose with its line and column, and an unknown format, exit 1", async () => {
    const dir = tempDir("cli-import");
    fs.writeFileSync(path.join(dir, "compose.yaml"), "services:\n  web: [1, 2\n");
    const bad = await runCli(["import", "compose", path.join(dir, "compose.yaml")], noServer());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^gantry: compose\.yaml:\d+:\d+: /);
    expect((await runCli(["import", "helm", "x"], noServer())).code).toBe(1);
  });

  it("exports a container service as a Kubernetes Deployment and Service", async () => {
    await t.api.services.create.mutate({ name: "shop", replicas: 2, template: { runtime: "docker", image: "registry.example.com/shop:v3", command: "" } });
    const result = await runCli(["export", "--format", "kubernetes"], { ...noServer(), GANTRY_URL: t.gantry.url, GANTRY_TOKEN: TEST_TOKEN });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kind: Deployment[\s\S]*name: shop[\s\S]*replicas: 2[\s\S]*image: registry\.example\.com\/shop:v3/);
    expect(result.stdout).toMatch(/kind: Service\b/);
  });

  it("copies a stopped Gantry's store into an empty one, with progress per table, and refuses a target that isn't empty", async () => {
    const source = tempDir("cli-db-source");
    const first = await startTestGantry({ dataDir: source, databaseUrl: undefined });
    await apiClient(first).services.create.mutate({ name: "kept", replicas: 0, template: { command: "true" } });
    await first.stop();

    const target = tempDir("cli-db-target");
    const copied = await runCli(["db", "copy", "--from", `pglite:${source}`, "--to", `pglite:${target}`], noServer());
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/^copied \d+ rows in \d+ tables in [\d.]+ s\n/);
    expect(copied.stderr).toMatch(/Service: 1 \/ 1/);

    const again = await runCli(["db", "copy", "--from", `pglite:${source}`, "--to", `pglite:${target}`], noServer());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds/);
  }, 60_000);
});
