import { describe, expect, it } from "vitest";
import { instanceTemplate, SECRET_PLACEHOLDER, type Service } from "@/server/contracts/service";
import { emptyValues, fieldKey, shellToggled, toTemplateInput, valuesFromService, type ServiceFormValues } from "./form-values";

const filled = (overrides: Partial<ServiceFormValues> = {}): ServiceFormValues => ({ ...emptyValues(), name: "api", commandLine: "node server.js --port 80", ...overrides });

describe("service form values", () => {
  it("turns a filled form into a template", () => {
    const values = filled({ env: "A=1", memoryLimitMb: "256" });
    values.probes.readiness = { ...values.probes.readiness, kind: "http", path: "/healthz", headers: "X-Probe: gantry", periodSeconds: "2" };
    values.probes.liveness = { ...values.probes.liveness, kind: "exec", command: "test -f 'ready file'" };
    const result = toTemplateInput(values);
    expect(result).toEqual({
      template: expect.objectContaining({
        command: "node",
        args: ["server.js", "--port", "80"],
        env: { A: "1" },
        memoryLimitMb: 256,
        probes: {
          startup: null,
          readiness: expect.objectContaining({ kind: "http", path: "/healthz", port: null, headers: { "X-Probe": "gantry" }, periodSeconds: 2 }),
          liveness: expect.objectContaining({ kind: "exec", command: ["test", "-f", "ready file"] }),
        },
      }),
    });
  });

  it("offers a gRPC health probe with its port and service name", () => {
    const values = filled();
    values.probes.readiness = { ...values.probes.readiness, kind: "grpc", port: "", service: " orders.v1.Orders " };
    const result = toTemplateInput(values);
    expect("template" in result && result.template.probes?.readiness).toEqual(expect.objectContaining({ kind: "grpc", port: null, service: "orders.v1.Orders" }));
  });

  it("round-trips a saved service through the form unchanged", () => {
    const template = instanceTemplate.parse({
      command: "python3",
      args: ["-m", "http.server"],
      env: { MODE: "x=y" },
      probes: { startup: { kind: "tcp", port: 8080, failureThreshold: 30 }, readiness: { kind: "grpc", service: "orders.v1.Orders", port: 50051 }, liveness: { kind: "http", path: "/live", headers: { Host: "a" } } },
    });
    const service = { name: "py", replicas: 2, template } as Service;
    const back = toTemplateInput(valuesFromService(service));
    expect("template" in back && instanceTemplate.parse(back.template)).toEqual(template);
  });

  it("keeps a shell script's positional parameters, which the form doesn't show", () => {
    const template = instanceTemplate.parse({ command: 'echo "$1"', args: ["hello"], shell: true });
    const back = toTemplateInput(valuesFromService({ name: "sh", replicas: 1, template } as Service));
    expect("template" in back && instanceTemplate.parse(back.template)).toEqual(template);
  });

  it("shows stored secrets as names only, and sends the placeholder for those left untouched", () => {
    const template = instanceTemplate.parse({ command: "node", env: { MODE: "a", TOKEN: SECRET_PLACEHOLDER, KEY: SECRET_PLACEHOLDER }, secretEnv: ["TOKEN", "KEY"] });
    const values = valuesFromService({ name: "s", replicas: 1, template } as Service);
    expect(values.env).toBe("MODE=a");
    expect(values.secrets).toEqual([
      { name: "TOKEN", value: "", storedAs: "TOKEN" },
      { name: "KEY", value: "", storedAs: "KEY" },
    ]);
    values.secrets[1] = { ...values.secrets[1]!, value: "new-key" };
    values.secrets.push({ name: "EXTRA", value: "x", storedAs: null });
    const back = toTemplateInput(values);
    expect("template" in back && back.template).toMatchObject({
      env: { MODE: "a", TOKEN: SECRET_PLACEHOLDER, KEY: "new-key", EXTRA: "x" },
      secretEnv: ["TOKEN", "KEY", "EXTRA"],
    });
  });

  it.each<[string, (v: ServiceFormValues) => void, Record<string, string>]>([
    ["a secret without a value", (v) => v.secrets.push({ name: "TOKEN", value: "", storedAs: null }), { secrets: "TOKEN: a value is required" }],
    ["a renamed stored secret without a value", (v) => v.secrets.push({ name: "TOKEN2", value: "", storedAs: "TOKEN" }), { secrets: "TOKEN2: a value is required" }],
    ["a secret also set in the plain environment", (v) => ((v.env = "TOKEN=1"), v.secrets.push({ name: "TOKEN", value: "x", storedAs: null })), { secrets: "TOKEN is set twice" }],
    ["a secret with a bad name", (v) => v.secrets.push({ name: "9LIVES", value: "x", storedAs: null }), { secrets: "9LIVES: environment variable names are letters, digits and '_', not starting with a digit" }],
    ["a plain variable set by Gantry", (v) => (v.env = "PORT=80"), { env: "PORT: PORT and GANTRY_* are set by Gantry" }],
    ["an unclosed quote", (v) => (v.commandLine = "node 'oops"), { commandLine: "command line: unclosed ' quote" }],
    ["an empty command", (v) => (v.commandLine = "  "), { commandLine: "command is required" }],
    ["a bad env line", (v) => (v.env = "NOPE"), { env: "line 1: expected KEY=value" }],
    ["a non-numeric period", (v) => (v.probes.liveness = { ...v.probes.liveness, kind: "tcp", periodSeconds: "soon" }), { "probes.liveness.periodSeconds": "must be a number" }],
    [
      "a startup successThreshold other than 1",
      (v) => (v.probes.startup = { ...v.probes.startup, kind: "tcp", successThreshold: "2" }),
      { "probes.startup.successThreshold": "successThreshold must be 1 for startup probes" },
    ],
    ["an http path without /", (v) => (v.probes.readiness = { ...v.probes.readiness, kind: "http", path: "health" }), { "probes.readiness.path": "path must start with /" }],
    ["a container without an image", (v) => (v.runtime = "docker"), { image: "image is required for a docker service" }],
    ["a container image that isn't a reference", (v) => ((v.runtime = "docker"), (v.image = "Nginx Latest")), { image: "image must be a reference like busybox, busybox:1.36 or registry.example.com:5000/team/app:v2" }],
    ["a container's relative working directory", (v) => ((v.runtime = "docker"), (v.image = "busybox"), (v.cwd = "app")), { cwd: "a container's working directory is an absolute path inside it" }],
    ["a CPU limit that isn't a number", (v) => ((v.runtime = "docker"), (v.image = "busybox"), (v.cpuLimit = "half")), { cpuLimit: "must be a number" }],
    ["a header without a colon", (v) => (v.probes.readiness = { ...v.probes.readiness, kind: "http", headers: "oops" }), { "probes.readiness.headers": 'expected "Name: value", got "oops"' }],
  ])("points at the field with %s", (_name, edit, errors) => {
    const values = filled();
    edit(values);
    expect(toTemplateInput(values)).toEqual({ errors });
  });

  it("maps server field paths onto form inputs", () => {
    expect(fieldKey(["template", "cwd"])).toBe("cwd");
    expect(fieldKey(["template", "args", 2])).toBe("commandLine");
    expect(fieldKey(["template", "env", "PORT"])).toBe("env");
    expect(fieldKey(["template", "probes", "readiness", "timeoutSeconds"])).toBe("probes.readiness.timeoutSeconds");
    expect(fieldKey(["name"])).toBe("name");
  });
});

describe("the runtime picker", () => {
  it("sends a container's image, user, limits and network, and an empty command as the image's own", () => {
    const values = filled({ runtime: "docker", image: "127.0.0.1:5000/team/app:v2", user: "1000:1000", cpuLimit: "0.5", network: "published", commandLine: "" });
    expect(toTemplateInput(values)).toEqual({
      template: expect.objectContaining({ runtime: "docker", image: "127.0.0.1:5000/team/app:v2", user: "1000:1000", cpuLimit: 0.5, network: "published", command: "", args: [] }),
    });
  });

  it("reads a swarm service's placement box: constraints, and spread= preferences; a wrong line lands on the box", () => {
    const swarm = { runtime: "swarm" as const, image: "busybox", commandLine: "" };
    expect(toTemplateInput(filled({ ...swarm, placement: "node.role==worker\n\nspread=node.labels.zone\n node.labels.disk != hdd " }))).toEqual({
      template: expect.objectContaining({ placement: { constraints: ["node.role==worker", "node.labels.disk != hdd"], spread: ["node.labels.zone"] } }),
    });
    expect(toTemplateInput(filled({ ...swarm, placement: "zone=eu" }))).toEqual({ errors: { placement: "a constraint is like node.labels.zone==eu or node.role!=manager" } });
    expect(toTemplateInput(filled({ placement: "node.role==worker" }))).toEqual({ template: expect.objectContaining({ runtime: "process", placement: { constraints: [], spread: [] } }) });
  });

  it("keeps what was typed for a container while the runtime is a process, but sends none of it", () => {
    const values = filled({ image: "busybox", user: "nobody", cpuLimit: "2" });
    expect(toTemplateInput(values)).toEqual({ template: expect.objectContaining({ runtime: "process", image: null, user: null, cpuLimit: null, command: "node" }) });
  });

  it("shows a saved container service as it was saved", () => {
    const template = instanceTemplate.parse({ runtime: "docker", image: "busybox:1.36", command: "", cwd: "/srv" });
    const service = { name: "box", replicas: 1, template } as Service;
    const values = valuesFromService(service);
    expect(values).toMatchObject({ runtime: "docker", image: "busybox:1.36", commandLine: "", cwd: "/srv" });
    expect(instanceTemplate.parse((toTemplateInput(values) as { template: object }).template)).toEqual(template);
  });
});

describe("ticking Run through /bin/sh", () => {
  it("turns the words into a shell line where $PORT expands, and leaves a line it can't split as typed", () => {
    const ticked = shellToggled(filled({ commandLine: `node -e 'listen(+process.argv[1])' '$PORT'` }), true);
    expect(ticked).toMatchObject({ shell: true, commandLine: `node -e 'listen(+process.argv[1])' $PORT` });
    expect(shellToggled(filled({ commandLine: `echo "oops` }), true)).toMatchObject({ shell: true, commandLine: `echo "oops` });
    expect(shellToggled(ticked, false).commandLine).toBe(ticked.commandLine);
  });
});
