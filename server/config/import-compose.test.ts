import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { durationSeconds, importCompose, memoryMb, words } from "./import-compose";
import { ConfigError, parseConfig } from "./parse";

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8");

/** Imports a compose file and reads the result back as gantry.yaml: every import must apply. */
function imported(compose: string) {
  const result = importCompose(compose, "docker-compose.yml");
  const { config } = parseConfig(result.yaml, { file: "imported.yaml" });
  return { ...result, services: config.services };
}

/** The `service.key` part of each note. */
const keysOf = (untranslated: string[]) => untranslated.map((note) => note.slice(0, note.indexOf(": ")));

describe("importCompose on a real-world file (docker/awesome-compose nginx-golang-postgres-rabbitmq)", () => {
  const result = imported(fixture("nginx-golang-postgres-rabbitmq.compose.yaml"));

  it("makes every service a container, with its image, and a placeholder for the one that is only built", () => {
    expect(Object.keys(result.services)).toEqual(["backend", "db", "mq", "proxy"]);
    expect(Object.values(result.services).map((s) => s.runtime)).toEqual(["docker", "docker", "docker", "docker"]);
    expect(Object.fromEntries(Object.entries(result.services).map(([name, s]) => [name, s.image]))).toEqual({
      backend: "localhost/backend",
      db: "postgres",
      mq: "rabbitmq:3.8.3-management",
      proxy: "nginx",
    });
  });

  it("keeps the dependencies as call edges", () => {
    expect(result.services.backend!.dependsOn).toEqual(["db"]);
    expect(result.services.proxy!.dependsOn).toEqual(["backend"]);
    expect(result.services.db!.dependsOn).toEqual([]);
  });

  it("turns the healthcheck into an exec readiness probe with the same timing", () => {
    expect(result.services.db!.probes.readiness).toMatchObject({ kind: "exec", command: ["pg_isready"], periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 });
    expect(result.services.mq!.probes.readiness).toBeNull();
  });

  it("writes the password as a reference and never copies its value", () => {
    expect(result.services.mq!.env).toEqual({ RABBITMQ_DEFAULT_USER: "root", RABBITMQ_DEFAULT_PASS: { fromEnv: "RABBITMQ_DEFAULT_PASS" } });
    expect(result.yaml).not.toContain("123456");
  });

  it("listens where compose published or exposed a port, with the first published port as the listener port", () => {
    expect(result.services.mq).toMatchObject({ listens: true, listenPort: 15672 });
    expect(result.services.proxy).toMatchObject({ listens: true });
    expect(result.services.proxy!.listenPort).toBeUndefined();
    expect(result.services.db!.listens).toBe(true);
    expect(result.services.backend!.listens).toBe(false);
    expect(result.services.db!.user).toBe("postgres");
  });

  it("lists what it could not translate, service by service, and repeats it in the file's header", () => {
    expect(keysOf(result.untranslated)).toEqual([
      "backend.build",
      "backend.secrets",
      "backend.depends_on",
      "db.environment.POSTGRES_PASSWORD_FILE",
      "db.expose",
      "db.secrets",
      "db.volumes",
      "mq.environment.RABBITMQ_DEFAULT_PASS",
      "mq.ports",
      "mq.ports",
      "mq.volumes",
      "proxy.ports",
      "proxy.volumes",
      "backend",
      "volumes",
      "secrets",
    ]);
    expect(result.untranslated).toContain("backend.build: Gantry runs images and builds none: build it first with `docker build -t localhost/backend --target builder backend` (localhost/backend is a placeholder)");
    expect(result.untranslated).toContain("mq.ports: 5672:5672: a service listens on one port (PORT); left out");
    expect(result.untranslated).toContain("backend.depends_on: conditions (db: service_healthy) are not kept: dependsOn draws who calls whom (NAME_URL); Gantry starts services side by side");
    expect(result.yaml.startsWith("# gantry.yaml imported from docker-compose.yml by `gantry import compose`: review it before applying.\n# Not translated:\n")).toBe(true);
    for (const note of result.untranslated) expect(result.yaml).toContain(`#   - ${note}\n`);
  });
});

describe("importCompose mappings", () => {
  const one = (definition: string, extra = "") => {
    const result = imported(`services:\n  app:\n${definition.replace(/^/gm, "    ")}\n${extra}`);
    return { service: result.services.app!, untranslated: result.untranslated, yaml: result.yaml, services: result.services };
  };

  describe("image and build", () => {
    it("runs the image", () => {
      expect(one("image: redis:7-alpine").service).toMatchObject({ runtime: "docker", image: "redis:7-alpine", command: "", args: [] });
    });
    it("builds nothing: an image and a build use the image and say how to build it", () => {
      const { service, untranslated } = one("image: registry.example.com/shop/app:2\nbuild: { context: ./app, dockerfile: Dockerfile.prod }");
      expect(service.image).toBe("registry.example.com/shop/app:2");
      expect(untranslated).toEqual(["app.build: Gantry runs images and builds none: build it first with `docker build -t registry.example.com/shop/app:2 -f Dockerfile.prod ./app`"]);
    });
    it("writes an image compose would fill in from the shell as a placeholder, with a note", () => {
      const { service, untranslated } = one("image: ${REGISTRY}/app:${TAG}");
      expect(service.image).toBe("localhost/app");
      expect(untranslated[0]).toMatch(/^app\.image: \$\{REGISTRY\}\/app:\$\{TAG\} is not an image reference Gantry accepts/);
    });
    it("skips a service with neither image nor build, and the edges to it", () => {
      const result = imported("services:\n  web: { image: nginx, depends_on: [ghost] }\n  ghost: { command: sleep 1 }\n");
      expect(Object.keys(result.services)).toEqual(["web"]);
      expect(result.services.web!.dependsOn).toEqual([]);
      expect(result.untranslated).toEqual(["ghost: neither image nor build: not imported", "web.depends_on: ghost is not a service imported from this file; left out"]);
    });
  });

  describe("command and entrypoint (compose splits a string into words; it runs no shell)", () => {
    it("a string command becomes the args of the image's own entrypoint", () => {
      expect(one("image: python:3\ncommand: python app.py --port 80").service).toMatchObject({ command: "", args: ["python", "app.py", "--port", "80"], shell: false });
    });
    it("flags for the image's entrypoint stay flags (a shell would have run them as a program)", () => {
      expect(one("image: mariadb:10.6\ncommand: '--default-authentication-plugin=mysql_native_password'").service).toMatchObject({ command: "", args: ["--default-authentication-plugin=mysql_native_password"], shell: false });
    });
    it("a list command is the args as written", () => {
      expect(one('image: busybox\ncommand: ["echo", "a b"]').service.args).toEqual(["echo", "a b"]);
    });
    it("quotes group words as a shell reads them", () => {
      expect(one(`image: busybox\ncommand: echo "a \\"b\\"" 'c d' e\\ f`).service.args).toEqual(["echo", 'a "b"', "c d", "e f"]);
    });
    it("an entrypoint replaces the image's, and the command follows it", () => {
      expect(one("image: node:22\nentrypoint: nodemon --inspect=0.0.0.0\ncommand: [server.js]").service).toMatchObject({ command: "nodemon", args: ["--inspect=0.0.0.0", "server.js"], shell: false });
    });
    it("an entrypoint of sh -c <line> is a shell line", () => {
      expect(one('image: busybox\nentrypoint: ["sh", "-c", "echo $$HOME && sleep 60"]').service).toMatchObject({ command: "echo $HOME && sleep 60", shell: true, args: [] });
    });
    it("notes a quote left open and leaves the command out", () => {
      const { service, untranslated } = one("image: busybox\ncommand: echo 'unterminated");
      expect(service.args).toEqual([]);
      expect(untranslated).toEqual(["app.command: a quote is left open; left out"]);
    });
  });

  describe("environment", () => {
    it("reads a map and a list alike, values as text", () => {
      expect(one("image: busybox\nenvironment: { LOG_LEVEL: debug, WORKERS: 4, DEBUG: false }").service.env).toEqual({ LOG_LEVEL: "debug", WORKERS: "4", DEBUG: "false" });
      expect(one("image: busybox\nenvironment: [LOG_LEVEL=debug, 'GREETING=a=b']").service.env).toEqual({ LOG_LEVEL: "debug", GREETING: "a=b" });
    });
    it("writes secrets (PASSWORD, SECRET, TOKEN, KEY) as { fromEnv } and lists them, never copying the value", () => {
      const { service, untranslated, yaml } = one("image: busybox\nenvironment:\n  DB_PASSWORD: hunter2\n  JWT_SECRET: s3cr3t\n  GITHUB_TOKEN: ghp_x\n  API_KEY: k-123\n  STRIPE_KEY: ${STRIPE_LIVE_KEY}");
      expect(service.env).toEqual({
        DB_PASSWORD: { fromEnv: "DB_PASSWORD" },
        JWT_SECRET: { fromEnv: "JWT_SECRET" },
        GITHUB_TOKEN: { fromEnv: "GITHUB_TOKEN" },
        API_KEY: { fromEnv: "API_KEY" },
        STRIPE_KEY: { fromEnv: "STRIPE_LIVE_KEY" },
      });
      for (const value of ["hunter2", "s3cr3t", "ghp_x", "k-123"]) expect(yaml).not.toContain(value);
      expect(keysOf(untranslated)).toEqual(["app.environment.DB_PASSWORD", "app.environment.JWT_SECRET", "app.environment.GITHUB_TOKEN", "app.environment.API_KEY", "app.environment.STRIPE_KEY"]);
    });
    it("a value compose takes from the shell becomes a reference to the same variable", () => {
      const { service, untranslated } = one("image: busybox\nenvironment: [HOME_DIR, 'REGION=${AWS_REGION:-eu-west-1}', 'PRICE=$$5']");
      expect(service.env).toEqual({ HOME_DIR: { fromEnv: "HOME_DIR" }, REGION: { fromEnv: "AWS_REGION" }, PRICE: "$5" });
      expect(untranslated).toEqual([
        "app.environment.HOME_DIR: no value: compose takes it from the shell; written as { fromEnv: HOME_DIR }",
        "app.environment.REGION: compose takes ${AWS_REGION:-eu-west-1} from the shell: written as { fromEnv: AWS_REGION } (its default is not kept)",
      ]);
    });
    it("leaves out PORT (Gantry sets it) with the schema's reason, and notes env_file", () => {
      const { service, untranslated } = one("image: busybox\nenvironment: { PORT: '80', MODE: prod }\nenv_file: .env");
      expect(service.env).toEqual({ MODE: "prod" });
      expect(untranslated).toEqual(["app.env_file: not read: copy its variables into env (secrets as { fromEnv: NAME })", "app.env.PORT: PORT and GANTRY_* are set by Gantry; left out"]);
    });
  });

  describe("depends_on and links", () => {
    const compose = (app: string) => `services:\n  app: { image: busybox, ${app} }\n  db: { image: postgres }\n  cache: { image: redis }\n`;
    it("a list names the callees", () => {
      expect(imported(compose("depends_on: [db, cache]")).services.app!.dependsOn).toEqual(["cache", "db"]);
    });
    it("a map names them too, and its health conditions are noted", () => {
      const result = imported(compose("depends_on: { db: { condition: service_healthy }, cache: { condition: service_started } }"));
      expect(result.services.app!.dependsOn).toEqual(["cache", "db"]);
      expect(result.untranslated).toContain("app.depends_on: conditions (db: service_healthy) are not kept: dependsOn draws who calls whom (NAME_URL); Gantry starts services side by side");
    });
    it("links are dependencies as well", () => {
      const result = imported(compose("links: ['db:database']"));
      expect(result.services.app!.dependsOn).toEqual(["db"]);
      expect(result.untranslated).toContain("app.links: db became dependsOn (aliases are not kept)");
    });
  });

  describe("ports", () => {
    it("the container port becomes PORT, a published port of 1024 or more the listener port", () => {
      const { service, untranslated } = one("image: nginx\nports: ['127.0.0.1:8080:80/tcp']");
      expect(service).toMatchObject({ listens: true, listenPort: 8080 });
      expect(untranslated).toEqual(["app.ports: 127.0.0.1:8080:80/tcp: instances listen on the PORT Gantry gives each, not on 80: make the image listen on $PORT; published 8080 became listenPort 8080"]);
    });
    it("reads the long form, and leaves UDP and further ports out", () => {
      const { service, untranslated } = one("image: coredns\nports:\n  - { target: 53, published: 5353, protocol: udp }\n  - { target: 8080, published: '9153' }\n  - '9000'");
      expect(service).toMatchObject({ listens: true, listenPort: 9153 });
      expect(keysOf(untranslated)).toEqual(["app.ports", "app.ports", "app.ports"]);
      expect(untranslated[0]).toBe("app.ports: 5353:53: Gantry serves TCP only; left out");
      expect(untranslated[2]).toBe("app.ports: 9000: a service listens on one port (PORT); left out");
    });
    it("a service with neither ports nor expose doesn't listen", () => {
      expect(one("image: busybox").service.listens).toBe(false);
    });
  });

  describe("healthcheck", () => {
    it("CMD-SHELL runs with /bin/sh -c; durations, retries and start_period carry over", () => {
      expect(one("image: nginx\nhealthcheck: { test: [CMD-SHELL, 'curl -f http://localhost/ || exit 1'], interval: 1m30s, timeout: 500ms, retries: 2, start_period: 40s }").service.probes.readiness).toEqual({
        kind: "exec",
        command: ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"],
        initialDelaySeconds: 40,
        periodSeconds: 90,
        timeoutSeconds: 0.5,
        successThreshold: 1,
        failureThreshold: 2,
      });
    });
    it("a string test is a shell line, and Docker's defaults (30s, 30s, 3 retries) are kept", () => {
      expect(one("image: redis\nhealthcheck: { test: redis-cli ping }").service.probes.readiness).toMatchObject({ command: ["/bin/sh", "-c", "redis-cli ping"], periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3 });
    });
    it("NONE and disable: true give no probe, with a note", () => {
      expect(one("image: redis\nhealthcheck: { test: [NONE] }").untranslated).toEqual(["app.healthcheck: NONE: the image's healthcheck is off; no probe"]);
      expect(one("image: redis\nhealthcheck: { disable: true }").service.probes.readiness).toBeNull();
    });
  });

  describe("deploy, limits and process settings", () => {
    it("replicas, memory and CPU limits", () => {
      const { service, untranslated } = one("image: busybox\ndeploy:\n  replicas: 3\n  resources: { limits: { memory: 512M, cpus: '0.5' }, reservations: { memory: 128M } }\n  placement: { constraints: [node.role==worker] }");
      expect(service).toMatchObject({ replicas: 3, memoryLimitMb: 512, cpuLimit: 0.5 });
      expect(keysOf(untranslated)).toEqual(["app.deploy.resources.reservations", "app.deploy.placement"]);
    });
    it("reads the older mem_limit, cpus and scale", () => {
      expect(one("image: busybox\nmem_limit: 1g\ncpus: 2\nscale: 2").service).toMatchObject({ memoryLimitMb: 1024, cpuLimit: 2, replicas: 2 });
    });
    it("a value the schema refuses is left out with its reason instead of failing the import", () => {
      const { service, untranslated } = one("image: busybox\ndeploy: { replicas: 500 }");
      expect(service.replicas).toBe(1);
      expect(untranslated).toEqual(["app.replicas: replicas must be at most 100; left out"]);
    });
    it("working_dir, user, stop_signal and stop_grace_period", () => {
      expect(one("image: busybox\nworking_dir: /srv/app\nuser: '1000:1000'\nstop_signal: INT\nstop_grace_period: 1m30s").service).toMatchObject({ cwd: "/srv/app", user: "1000:1000", stopSignal: "SIGINT", gracePeriodSeconds: 90 });
    });
    it.each([
      ["'no'", "never"],
      ["always", "always"],
      ["on-failure", "on-failure"],
      ["on-failure:5", "on-failure"],
      ["unless-stopped", "always"],
    ])("restart %s → restartPolicy %s", (restart, policy) => {
      expect(one(`image: busybox\nrestart: ${restart}`).service.restartPolicy).toBe(policy);
    });
    it("deploy.restart_policy when restart is absent", () => {
      expect(one("image: busybox\ndeploy: { restart_policy: { condition: none } }").service.restartPolicy).toBe("never");
    });
  });

  describe("what has no place in gantry.yaml", () => {
    it("is listed as service.key: why", () => {
      const { untranslated } = one("image: busybox\nvolumes: [data:/data]\nnetworks: [back]\nlabels: { tier: web }\ncontainer_name: app1\nprivileged: true\nx-notes: hi");
      expect(untranslated).toEqual([
        "app.volumes: Gantry mounts no volumes: an instance's files last as long as it does",
        "app.networks: services reach the ones they call through dependsOn (NAME_URL), not networks",
        "app.labels: container labels are not Gantry's service labels (those scope access grants)",
        "app.container_name: Gantry names each instance's container itself",
        "app.privileged: no Gantry equivalent",
        "app.x-notes: extension fields are not read",
      ]);
    });
    it("so are top-level keys other than services (version is obsolete and skipped)", () => {
      const result = imported("version: '3.8'\nservices:\n  app: { image: busybox }\nnetworks: { back: {} }\nconfigs: { nginx: { file: ./nginx.conf } }\nx-common: { restart: always }\n");
      expect(result.untranslated).toEqual([
        "networks: networks: services reach the ones they call through dependsOn (NAME_URL)",
        "configs: configs: mounted config files have no Gantry equivalent",
        "x-common: extension fields are not read",
      ]);
    });
  });

  describe("names", () => {
    it("become DNS labels (a name that already is one is kept), with a note, and dependencies follow the new names", () => {
      const result = imported("services:\n  Web_App: { image: nginx, depends_on: [user.db] }\n  user.db: { image: postgres }\n  web-app: { image: nginx }\n");
      expect(Object.keys(result.services)).toEqual(["user-db", "web-app", "web-app-2"]);
      expect(result.services["web-app-2"]!.dependsOn).toEqual(["user-db"]);
      expect(result.untranslated.slice(0, 2)).toEqual([
        "Web_App: renamed web-app-2 (service names are DNS labels: lowercase letters, digits and '-')",
        "user.db: renamed user-db (service names are DNS labels: lowercase letters, digits and '-')",
      ]);
    });
  });

  it("with nothing left behind, says so in the header", () => {
    expect(one("image: busybox\ncommand: [sleep, '60']").yaml.split("\n")[1]).toBe("# Everything in it was translated.");
  });

  it("refuses what isn't a compose file with the place of the problem", () => {
    expect(() => importCompose("services:\n  app: [\n", "bad.yml")).toThrow(ConfigError);
    try {
      importCompose("version: '3'\nservices: {}\n", "empty.yml");
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([{ file: "empty.yml", line: 2, column: 11, path: "services", message: "a compose file names its services under services:" }]);
    }
  });
});

describe("compose value readers", () => {
  it.each([
    ["10s", 10],
    ["1m30s", 90],
    ["1h", 3600],
    ["500ms", 0.5],
    ["1.5s", 1.5],
    [5, 5],
    ["ten", null],
    ["", null],
  ])("durationSeconds(%j) = %j", (value, seconds) => expect(durationSeconds(value)).toBe(seconds));

  it.each([
    ["512M", 512],
    ["512m", 512],
    ["1g", 1024],
    ["1.5GB", 1536],
    ["100k", 1],
    [1048576, 1],
    ["lots", null],
  ])("memoryMb(%j) = %j", (value, mb) => expect(memoryMb(value)).toBe(mb));

  it.each([
    ["a b  c", ["a", "b", "c"]],
    [`a "b c" 'd e'`, ["a", "b c", "d e"]],
    [`"x\\"y"`, ['x"y']],
    [`a\\ b`, ["a b"]],
    [`""`, [""]],
    [`'open`, null],
  ])("words(%j)", (line, expected) => expect(words(line)).toEqual(expected));
});
