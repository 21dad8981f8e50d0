import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("defaults to loopback, port 3000, ./.gantry and the embedded database", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ host: "127.0.0.1", port: 3000, databaseUrl: undefined, logLevel: "info", demo: true, dev: false });
    expect(env.dataDir).toBe(`${process.cwd()}/.gantry`);
  });

  it("reads the swarm's manager and turns its port range into whole blocks of 100", () => {
    expect(parseEnv({}).swarm).toEqual({ connect: false, host: undefined, portBlocks: { from: 300, to: 399 } });
    expect(parseEnv({ GANTRY_SWARM: "1", GANTRY_SWARM_HOST: "tcp://manager:2376", GANTRY_SWARM_PORT_RANGE: "40050-40399" }).swarm).toEqual({
      connect: true,
      host: "tcp://manager:2376",
      portBlocks: { from: 401, to: 403 },
    });
    expect(parseEnv({ GANTRY_SWARM_ADVERTISE: "10.0.0.5", GANTRY_HOST: "0.0.0.0", GANTRY_PUBLIC_URL: "https://gantry.example.com" }).swarm.advertise).toBe("10.0.0.5");
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

  it.each(["0.0.0.0", "192.168.1.10", "::", "example.com"])("refuses the non-loopback host %s without GANTRY_PUBLIC_URL, saying why", (host) => {
    expect(() => parseEnv({ GANTRY_HOST: host })).toThrow(/GANTRY_HOST=.* listens beyond this machine, so GANTRY_PUBLIC_URL must say.*DNS-rebinding/);
  });

  it("listens on the network once GANTRY_PUBLIC_URL names the address people use", () => {
    const env = parseEnv({ GANTRY_HOST: "0.0.0.0", GANTRY_PUBLIC_URL: "https://gantry.example.com" });
    expect(env.host).toBe("0.0.0.0");
    expect(env.access.publicUrl?.host).toBe("gantry.example.com");
    expect(() => parseEnv({ GANTRY_PUBLIC_URL: "https://gantry.example.com/ops" })).toThrow(/GANTRY_PUBLIC_URL=.* is invalid: must be an http\(s\) URL with no path/);
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

  it("takes a ZooKeeper connect string (with an optional chroot) and refuses what ZooKeeper would not parse", () => {
    expect(parseEnv({}).zookeeper).toBeUndefined();
    expect(parseEnv({ GANTRY_ZOOKEEPER_CONNECT: "127.0.0.1:2181, zk-2.example.com:2182,[::1]:2183/apps/gantry" }).zookeeper).toEqual({
      connect: "127.0.0.1:2181, zk-2.example.com:2182,[::1]:2183/apps/gantry",
      sessionTimeoutSeconds: 10,
    });
    expect(parseEnv({ GANTRY_ZOOKEEPER_CONNECT: "zk:2181", GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS: "4" }).zookeeper?.sessionTimeoutSeconds).toBe(4);
    for (const [connect, problem] of [
      ["zk", `"zk" is not host:port`],
      ["zk:2181,", "an empty server"],
      ["zk:99999", "99999 is not a port"],
      ["http://zk:2181", `"http:" is not host:port`],
      ["[1:2:3]:2181", `"[1:2:3]" is not an IPv6 address`],
      ["zk:2181/", `"/" is not a chroot path`],
    ]) {
      expect(() => parseEnv({ GANTRY_ZOOKEEPER_CONNECT: connect })).toThrow(`GANTRY_ZOOKEEPER_CONNECT=${JSON.stringify(connect)} is invalid: ${problem}`);
    }
    expect(() => parseEnv({ GANTRY_ZOOKEEPER_CONNECT: "zk:2181", GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS: "0" })).toThrow(/GANTRY_ZOOKEEPER_SESSION_TIMEOUT_SECONDS="0" is invalid/);
  });

  describe("DNS interface", () => {
    it("is off by default, and takes a port with a TTL of 0 unless told", () => {
      expect(parseEnv({}).dns).toBeUndefined();
      expect(parseEnv({ GANTRY_DNS_PORT: "8600" }).dns).toEqual({ port: 8600, ttlSeconds: 0 });
      expect(parseEnv({ GANTRY_DNS_PORT: " 8600 ", GANTRY_DNS_TTL_SECONDS: "5" }).dns).toEqual({ port: 8600, ttlSeconds: 5 });
    });

    it.each([
      [{ GANTRY_DNS_PORT: "0" }, /^GANTRY_DNS_PORT="0" is invalid: must be a port number from 1 to 65535/],
      [{ GANTRY_DNS_PORT: "70000" }, /^GANTRY_DNS_PORT="70000" is invalid/],
      [{ GANTRY_DNS_PORT: "0x2198" }, /^GANTRY_DNS_PORT="0x2198" is invalid/],
      [{ GANTRY_DNS_PORT: "8600.5" }, /^GANTRY_DNS_PORT="8600.5" is invalid/],
      [{ GANTRY_DNS_PORT: "dns" }, /^GANTRY_DNS_PORT="dns" is invalid/],
      [{ GANTRY_DNS_PORT: "8600", GANTRY_DNS_TTL_SECONDS: "-1" }, /^GANTRY_DNS_TTL_SECONDS="-1" is invalid: must be a whole number of seconds/],
      [{ GANTRY_DNS_TTL_SECONDS: "5" }, /GANTRY_DNS_TTL_SECONDS is set but GANTRY_DNS_PORT is not/],
      [{ GANTRY_DNS_PORT: "3000" }, /GANTRY_DNS_PORT=3000 is also GANTRY_PORT/],
      [{ GANTRY_DNS_PORT: "8080" }, /GANTRY_DNS_PORT=8080 is also GANTRY_INGRESS_PORT/],
      [{ GANTRY_DNS_PORT: "20001" }, /GANTRY_DNS_PORT=20001 is also inside GANTRY_PORT_RANGE/],
      [{ GANTRY_SWARM: "yes" }, /^GANTRY_SWARM="yes" is invalid/],
      [{ GANTRY_SWARM_HOST: "manager:2376" }, /^GANTRY_SWARM_HOST="manager:2376" is invalid: must look like unix:\/\/\/var\/run\/docker.sock or tcp:\/\/manager:2376/],
      [{ GANTRY_SWARM_PORT_RANGE: "30050-30120" }, /GANTRY_SWARM_PORT_RANGE=30050-30120 holds no block of 100 ports/],
      [{ GANTRY_SWARM_ADVERTISE: "10.0.0.5" }, /GANTRY_SWARM_ADVERTISE=10.0.0.5 is where swarm tasks reach Gantry's listeners, but they listen on GANTRY_HOST=127.0.0.1: set GANTRY_HOST to 10.0.0.5 or 0.0.0.0/],
      [{ GANTRY_SWARM_ADVERTISE: "manager" }, /^GANTRY_SWARM_ADVERTISE="manager" is invalid: must be an IP address/],
      [{ GANTRY_SWARM_PORT_RANGE: "29001-30099" }, /GANTRY_SWARM_PORT_RANGE overlaps GANTRY_PORT_RANGE/],
    ])("refuses %o, saying why", (source, message) => {
      expect(() => parseEnv(source)).toThrow(EnvError);
      expect(() => parseEnv(source)).toThrow(message);
    });
  });

  describe("realtime caps", () => {
    it("defaults to 4096 connections, 256 per address, 20,000 subscriptions and 6,000 per address", () => {
      expect(parseEnv({}).realtime).toEqual({ sockets: 4096, socketsPerAddress: 256, subscriptions: 20_000, subscriptionsPerAddress: 6000 });
      expect(parseEnv({ GANTRY_REALTIME_CONNECTIONS: "12000", GANTRY_REALTIME_SUBSCRIPTIONS: " 60000 " }).realtime).toMatchObject({ sockets: 12_000, subscriptions: 60_000 });
    });

    it.each([
      [{ GANTRY_REALTIME_CONNECTIONS: "0" }, /^GANTRY_REALTIME_CONNECTIONS="0" is invalid: must be a whole number of connections from 1 to 999999, such as 4096/],
      [{ GANTRY_REALTIME_CONNECTIONS: "1e4" }, /^GANTRY_REALTIME_CONNECTIONS="1e4" is invalid/],
      [{ GANTRY_REALTIME_SUBSCRIPTIONS_PER_ADDRESS: "many" }, /^GANTRY_REALTIME_SUBSCRIPTIONS_PER_ADDRESS="many" is invalid: must be a whole number of subscriptions/],
      [{ GANTRY_REALTIME_CONNECTIONS: "100" }, /GANTRY_REALTIME_CONNECTIONS_PER_ADDRESS=256 is more than GANTRY_REALTIME_CONNECTIONS=100/],
      [{ GANTRY_REALTIME_SUBSCRIPTIONS: "1000" }, /GANTRY_REALTIME_SUBSCRIPTIONS_PER_ADDRESS=6000 is more than GANTRY_REALTIME_SUBSCRIPTIONS=1000/],
    ])("refuses %o, saying why", (source, message) => {
      expect(() => parseEnv(source)).toThrow(message);
    });
  });

  describe("access settings", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-env-"));
    const file = (name: string, contents: string) => {
      fs.writeFileSync(path.join(dir, name), contents);
      return path.join(dir, name);
    };

    it("defaults to closed anonymous reads, viewers reading logs, 12 h idle and 7 day sessions", () => {
      expect(parseEnv({}).access).toMatchObject({
        anonymous: { metrics: false, sd: false, catalog: false },
        logRole: "viewer",
        sessionIdleMs: 12 * 3_600_000,
        sessionMaxMs: 7 * 24 * 3_600_000,
        tls: undefined,
        oidc: undefined,
        admin: undefined,
      });
    });

    it("reads the admin password from a file (trailing newline dropped), and refuses both ways at once or a short one", () => {
      expect(parseEnv({ GANTRY_ADMIN_PASSWORD_FILE: file("pw", "correct horse battery\n") }).access.admin).toEqual({ username: "admin", password: "correct horse battery" });
      expect(() => parseEnv({ GANTRY_ADMIN_PASSWORD: "long enough pw", GANTRY_ADMIN_PASSWORD_FILE: file("pw2", "x") })).toThrow("not both");
      expect(() => parseEnv({ GANTRY_ADMIN_PASSWORD: "short" })).toThrow(/^GANTRY_ADMIN_PASSWORD="short" is invalid: must be at least 10/);
      expect(() => parseEnv({ GANTRY_ADMIN_PASSWORD_FILE: path.join(dir, "missing") })).toThrow(/^GANTRY_ADMIN_PASSWORD_FILE=.* can't be read: ENOENT/);
    });

    it("needs both TLS files, readable and PEM", () => {
      const cert = file("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
      const key = file("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
      expect(parseEnv({ GANTRY_TLS_CERT: cert, GANTRY_TLS_KEY: key }).access.tls?.cert).toContain("BEGIN CERTIFICATE");
      expect(() => parseEnv({ GANTRY_TLS_CERT: cert })).toThrow("go together");
      expect(() => parseEnv({ GANTRY_TLS_CERT: key, GANTRY_TLS_KEY: key })).toThrow(/GANTRY_TLS_CERT=.* is not a PEM certificate/);
      expect(() => parseEnv({ GANTRY_TLS_CERT: cert, GANTRY_TLS_KEY: path.join(dir, "nope") })).toThrow(/GANTRY_TLS_KEY=.* can't be read/);
    });

    it("takes single sign-on settings with a claim → role map, and refuses plain http to another machine", () => {
      const oidc = parseEnv({ GANTRY_OIDC_ISSUER: "https://id.example.com", GANTRY_OIDC_CLIENT_ID: "gantry", GANTRY_OIDC_ROLES: "ops=operator, admins=admin" }).access.oidc;
      expect(oidc).toMatchObject({ issuer: "https://id.example.com", clientId: "gantry", roleClaim: "groups", roles: { ops: "operator", admins: "admin" }, defaultRole: undefined });
      expect(parseEnv({ GANTRY_OIDC_ISSUER: "http://127.0.0.1:9999", GANTRY_OIDC_CLIENT_ID: "g" }).access.oidc?.issuer).toBe("http://127.0.0.1:9999");
      expect(() => parseEnv({ GANTRY_OIDC_ISSUER: "http://id.example.com", GANTRY_OIDC_CLIENT_ID: "g" })).toThrow(/must be https/);
      expect(() => parseEnv({ GANTRY_OIDC_ISSUER: "https://id.example.com" })).toThrow("go together");
      expect(() => parseEnv({ GANTRY_OIDC_ROLES: "ops=root" })).toThrow(/GANTRY_OIDC_ROLES=.*"ops=root" should look like admins=admin/);
    });

    it("takes Go-style session lifetimes, refusing nonsense", () => {
      expect(parseEnv({ GANTRY_SESSION_IDLE: "30m", GANTRY_SESSION_MAX: "24h" }).access).toMatchObject({ sessionIdleMs: 1_800_000, sessionMaxMs: 86_400_000 });
      expect(() => parseEnv({ GANTRY_SESSION_IDLE: "soon" })).toThrow(/GANTRY_SESSION_IDLE="soon" is invalid: must be a duration/);
      expect(() => parseEnv({ GANTRY_TRUST_PROXY: "10.0.0.1, proxy.local" })).toThrow(/GANTRY_TRUST_PROXY=.* IP addresses/);
      expect(() => parseEnv({ GANTRY_BOOTSTRAP_TOKEN: "short" })).toThrow(/at least 20 characters/);
    });
  });

  it("chooses the data plane: node by default, haproxy with its binary found or named, refusing anything else in one line", () => {
    expect(parseEnv({}).dataPlane).toEqual({ kind: "node" });
    expect(parseEnv({ GANTRY_DATA_PLANE: "haproxy", PATH: "/nowhere" }).dataPlane).toEqual({ kind: "haproxy", binary: "/usr/sbin/haproxy", retryResponses: false });
    expect(parseEnv({ GANTRY_DATA_PLANE: "haproxy", PATH: "/nowhere", GANTRY_HAPROXY_RETRY_RESPONSES: "1" }).dataPlane).toEqual({ kind: "haproxy", binary: "/usr/sbin/haproxy", retryResponses: true });
    expect(() => parseEnv({ GANTRY_HAPROXY_RETRY_RESPONSES: "yes" })).toThrow(/^GANTRY_HAPROXY_RETRY_RESPONSES="yes" is invalid/);
    expect(() => parseEnv({ GANTRY_DATA_PLANE: "envoy" })).toThrow(/^GANTRY_DATA_PLANE="envoy" is invalid: must be one of node, haproxy$/);
    expect(() => parseEnv({ GANTRY_DATA_PLANE: "haproxy", GANTRY_HAPROXY_PATH: "/nowhere/haproxy" })).toThrow(EnvError);
    expect(() => parseEnv({ GANTRY_DATA_PLANE: "haproxy", GANTRY_HAPROXY_PATH: "/nowhere/haproxy" })).toThrow(/^GANTRY_HAPROXY_PATH="\/nowhere\/haproxy" is not an executable file/);
  });
});
