import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, type ConfigProblem } from "./parse";

function problems(text: string, known: string[] = []): ConfigProblem[] {
  try {
    parseConfig(text, { file: "ops/gantry.yaml", known });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the file to be refused");
}

const one = (text: string, known: string[] = []) => {
  const found = problems(text, known);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe("parsing gantry.yaml", () => {
  it("reads a small file, filling in the defaults", () => {
    const { config } = parseConfig("services:\n  api:\n    command: node\n    args: [server.js]\n    dependsOn: [db]\n  db:\n    command: postgres\n");
    expect(config.services.api).toMatchObject({ command: "node", args: ["server.js"], replicas: 1, runtime: "process", dependsOn: ["db"], strategy: { maxSurge: 1 } });
    expect(config.external).toEqual({});
  });

  it("refuses an unknown key at the key's line and column, and names it", () => {
    expect(one("services:\n  api:\n    command: node\n    replica: 2\n")).toEqual({ file: "ops/gantry.yaml", line: 4, column: 5, path: "services.api.replica", message: "unknown key replica" });
  });

  it("refuses an unknown key deep inside (a probe), not silently dropping it", () => {
    const problem = one("services:\n  api:\n    command: node\n    probes:\n      readiness:\n        kind: http\n        paht: /healthz\n");
    expect(problem).toMatchObject({ line: 7, column: 9, path: "services.api.probes.readiness.paht" });
  });

  it("refuses a bad value at the value, with the contract's message", () => {
    expect(one("services:\n  api:\n    command: node\n    replicas: 500\n")).toMatchObject({ line: 4, column: 15, path: "services.api.replicas", message: "replicas must be at most 100" });
  });

  it("refuses a value of the wrong type", () => {
    expect(one("services:\n  api:\n    command: node\n    args: server.js\n")).toMatchObject({ line: 4, column: 11, path: "services.api.args" });
    expect(one("services:\n  api:\n    command: node\n    env:\n      WORKERS: 4\n")).toMatchObject({ line: 5, column: 16, message: expect.stringContaining("quote numbers") });
  });

  it("refuses ingress routes on a service that doesn't speak HTTP/1.1", () => {
    const problem = one("services:\n  cache:\n    command: redis-server\n    traffic:\n      protocol: tcp\n      routes:\n        - pathPrefix: /cache\n");
    expect(problem).toMatchObject({ line: 7, path: "services.cache.traffic.routes", message: "routes are for http services: the ingress speaks HTTP/1.1; call a tcp service on its own listener" });
  });

  it("says what is missing where it is missing", () => {
    expect(one("services:\n  api:\n    args: [x]\n")).toMatchObject({ line: 3, path: "services.api.command", message: "command is required" });
  });

  it("refuses a service name written twice, at the second", () => {
    expect(one("services:\n  api:\n    command: a\n  api:\n    command: b\n")).toMatchObject({ line: 4, column: 3, message: expect.stringContaining("api is written twice") });
  });

  it("refuses a name that is both a service and external", () => {
    expect(one("services:\n  pay:\n    command: a\nexternal:\n  pay: {}\n")).toMatchObject({ line: 5, column: 3, path: "external.pay" });
  });

  it("refuses a dependency on a service that is nowhere, but takes one Gantry already has", () => {
    expect(one("services:\n  api:\n    command: node\n    dependsOn: [db, cache]\n  db:\n    command: pg\n")).toMatchObject({
      line: 4,
      column: 21,
      path: "services.api.dependsOn[1]",
      message: "no service named cache (not in this file, nor in Gantry)",
    });
    expect(() => parseConfig("services:\n  api:\n    command: node\n    dependsOn: [cache]\n", { known: ["cache"] })).not.toThrow();
    expect(one("services:\n  api:\n    command: node\n    dependsOn: [api]\n")).toMatchObject({ message: "a service cannot depend on itself" });
  });

  it("refuses a secret written inline, and the API's placeholder, pointing at references instead", () => {
    const inline = one("services:\n  api:\n    command: node\n    env:\n      DB_PASSWORD: { value: hunter2 }\n");
    expect(inline).toMatchObject({ line: 5, column: 20, path: "services.api.env.DB_PASSWORD", message: expect.stringContaining("fromEnv") });
    expect(one("services:\n  api:\n    command: node\n    secretEnv: [DB_PASSWORD]\n")).toMatchObject({ line: 4, message: expect.stringContaining("fromEnv") });
    expect(one("services:\n  api:\n    command: node\n    env:\n      DB_PASSWORD: <secret>\n")).toMatchObject({ line: 5, message: expect.stringContaining("fromEnv") });
    const { config } = parseConfig("services:\n  api:\n    command: node\n    env:\n      DB_PASSWORD: { fromEnv: PROD_DB_PASSWORD }\n      TLS_KEY: { fromFile: /run/secrets/tls.key }\n");
    expect(config.services.api!.env).toEqual({ DB_PASSWORD: { fromEnv: "PROD_DB_PASSWORD" }, TLS_KEY: { fromFile: "/run/secrets/tls.key" } });
  });

  it("reports YAML syntax errors with their place, and every problem at once", () => {
    expect(one("services:\n  api: [\n")).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(problems("services:\n  api:\n    command: node\n    replicas: -1\n    shell: yes\n")).toHaveLength(2);
  });

  it("refuses __proto__ as a name", () => {
    expect(one("services:\n  api:\n    command: node\n    env:\n      __proto__: x\n")).toMatchObject({ line: 5, column: 7, message: "__proto__ can't be used as a name" });
  });

  it("formats problems as file:line:column for terminals", () => {
    expect(() => parseConfig("services:\n  api:\n    command: node\n    replica: 2\n", { file: "gantry.yaml" })).toThrow("gantry.yaml:4:5: services.api.replica: unknown key replica");
  });
});
