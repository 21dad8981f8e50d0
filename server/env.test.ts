import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("defaults to loopback, port 3000, ./.gantry and the embedded database", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ host: "127.0.0.1", port: 3000, databaseUrl: undefined, logLevel: "info", demo: true, dev: false });
    expect(env.dataDir).toBe(`${process.cwd()}/.gantry`);
  });

  it("treats empty values as unset", () => {
    expect(parseEnv({ GANTRY_PORT: "", DATABASE_URL: "" })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it.each([
    [{ GANTRY_PORT: "abc" }, /^GANTRY_PORT="abc" is invalid/],
    [{ GANTRY_PORT: "70000" }, /^GANTRY_PORT="70000" is invalid: .*65535/],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL="loud" is invalid/],
    [{ DATABASE_URL: "mysql://x" }, /^DATABASE_URL="mysql:\/\/x" is invalid: must start with postgres/],
    [{ GANTRY_DEMO: "yes" }, /^GANTRY_DEMO="yes" is invalid/],
  ])("rejects %o with one line naming the variable", (source, message) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(message);
    try {
      parseEnv(source);
    } catch (err) {
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it.each(["0.0.0.0", "192.168.1.10", "::", "example.com"])("refuses the non-loopback host %s until auth exists", (host) => {
    expect(() => parseEnv({ GANTRY_HOST: host })).toThrow(/GANTRY_HOST=.* is not a loopback address.*authentication/);
  });

  it.each(["127.0.0.1", "127.0.0.2", "localhost", "::1"])("accepts the loopback host %s", (host) => {
    expect(parseEnv({ GANTRY_HOST: host }).host).toBe(host);
  });

  it("accepts a PostgreSQL URL and development mode", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://root@127.0.0.1/test", NODE_ENV: "development" })).toMatchObject({
      databaseUrl: "postgres://root@127.0.0.1/test",
      dev: true,
    });
  });
});
