import { describe, expect, it } from "vitest";
import { instanceTemplate, type Service } from "@/server/contracts/service";
import { emptyValues, fieldKey, toTemplateInput, valuesFromService, type ServiceFormValues } from "./form-values";

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

  it("round-trips a saved service through the form unchanged", () => {
    const template = instanceTemplate.parse({
      command: "python3",
      args: ["-m", "http.server"],
      env: { MODE: "x=y" },
      probes: { startup: { kind: "tcp", port: 8080, failureThreshold: 30 }, liveness: { kind: "http", path: "/live", headers: { Host: "a" } } },
    });
    const service = { name: "py", replicas: 2, template } as Service;
    const back = toTemplateInput(valuesFromService(service));
    expect("template" in back && instanceTemplate.parse(back.template)).toEqual(template);
  });

  it.each<[string, (v: ServiceFormValues) => void, Record<string, string>]>([
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
