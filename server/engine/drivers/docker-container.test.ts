import { describe, expect, it } from "vitest";
import { instanceTemplate, type InstanceTemplateInput } from "../../contracts/service";
import { containerOptions, withTag } from "./docker-container";
import type { LaunchSpec } from "./runtime-driver";

const spec = (template: Partial<InstanceTemplateInput>, port: number | null = 4100): LaunchSpec => ({
  instanceId: "api-7f3a",
  serviceId: "svc1",
  serviceName: "api gateway",
  revision: 3,
  template: instanceTemplate.parse({ runtime: "docker", image: "team/api:v2", command: "", ...template }),
  cwd: "/srv",
  env: { PORT: String(port), TOKEN: "s3cret" },
  port,
  stdoutPath: "/dev/null",
  stderrPath: "/dev/null",
  progress: () => {},
});

describe("a container's options", () => {
  it("keeps the image's entrypoint and cmd for an empty command, replaces cmd with args, and both with a command", () => {
    expect(containerOptions(spec({}), "me", "team/api:v2")).not.toHaveProperty("Entrypoint");
    expect(containerOptions(spec({}), "me", "team/api:v2")).not.toHaveProperty("Cmd");
    expect(containerOptions(spec({ args: ["--verbose"] }), "me", "x")).toMatchObject({ Cmd: ["--verbose"] });
    expect(containerOptions(spec({ command: "/app/server", args: ["-p", "1"] }), "me", "x")).toMatchObject({ Entrypoint: ["/app/server"], Cmd: ["-p", "1"] });
    expect(containerOptions(spec({ command: "exec httpd -p $PORT", shell: true, args: ["a"] }), "me", "x")).toMatchObject({ Entrypoint: ["/bin/sh", "-c"], Cmd: ["exec httpd -p $PORT", "api-7f3a", "a"] });
  });

  it("labels it with its owner, instance, service and revision, and names it after both", () => {
    const options = containerOptions(spec({}), "install-1", "x");
    expect(options.name).toBe("gantry-api-gateway-api-7f3a");
    expect(options.Labels).toEqual({ "gantry.owner": "install-1", "gantry.instance": "api-7f3a", "gantry.service": "svc1", "gantry.revision": "3" });
  });

  it("passes env, user, working dir and stop signal, with the container's restart policy off", () => {
    const options = containerOptions(spec({ user: "1000:1000", cwd: "/app", stopSignal: "SIGINT" }), "me", "x");
    expect(options).toMatchObject({ Env: ["PORT=4100", "TOKEN=s3cret"], User: "1000:1000", WorkingDir: "/app", StopSignal: "SIGINT" });
    expect(options.HostConfig?.RestartPolicy).toEqual({ Name: "no" });
  });

  it("puts memory (without swap beside it) and CPU limits in the cgroup", () => {
    expect(containerOptions(spec({ memoryLimitMb: 64, cpuLimit: 0.5 }), "me", "x").HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, MemorySwap: 64 * 1024 * 1024, NanoCpus: 500_000_000 });
    expect(containerOptions(spec({}), "me", "x").HostConfig).toMatchObject({ Memory: undefined, NanoCpus: undefined });
  });

  it("shares the host's network, or publishes PORT on loopback only", () => {
    expect(containerOptions(spec({}), "me", "x")).toMatchObject({ ExposedPorts: undefined, HostConfig: { NetworkMode: "host", PortBindings: undefined } });
    expect(containerOptions(spec({ network: "published" }), "me", "x")).toMatchObject({
      ExposedPorts: { "4100/tcp": {} },
      HostConfig: { NetworkMode: "bridge", PortBindings: { "4100/tcp": [{ HostIp: "127.0.0.1", HostPort: "4100" }] } },
    });
    expect(containerOptions(spec({ network: "published", listens: false }, null), "me", "x").HostConfig?.PortBindings).toBeUndefined();
  });
});

describe("image references", () => {
  it("pulls :latest when no tag is given, as docker run does, and leaves tags and digests alone", () => {
    expect(withTag("busybox")).toBe("busybox:latest");
    expect(withTag("registry.local:5000/team/app")).toBe("registry.local:5000/team/app:latest");
    expect(withTag("registry.local:5000/team/app:v2")).toBe("registry.local:5000/team/app:v2");
    expect(withTag(`app@sha256:${"a".repeat(64)}`)).toBe(`app@sha256:${"a".repeat(64)}`);
  });
});
