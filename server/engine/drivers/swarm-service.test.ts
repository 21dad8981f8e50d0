import type { ContainerTaskSpec, ServiceSpec } from "dockerode";
import { describe, expect, it } from "vitest";
import { defaultStrategy } from "../../contracts/rollout";
import { instanceTemplate } from "../../contracts/service";
import { swarmDefaultStrategy } from "../../contracts/swarm";
import type { ClusterService } from "./runtime-driver";
import { slotPort, swarmSecretsOf, swarmServiceSpec, taskInstanceId } from "./swarm-service";

const service = (overrides: Partial<ClusterService> = {}, template: Record<string, unknown> = {}): ClusterService => ({
  id: "7d1f0c9e-1111-4222-8333-944445555666",
  name: "web",
  revision: 3,
  replicas: 2,
  template: instanceTemplate.parse({ runtime: "swarm", image: "busybox:1.36", command: "httpd", args: ["-f"], ...template }),
  strategy: { ...swarmDefaultStrategy, minReadySeconds: 1.5, autoRollback: true },
  env: { GREETING: "hi {{.Task.ID}}", GANTRY_SERVICE: "web" },
  ...overrides,
});

const containerOf = (spec: ServiceSpec) => (spec.TaskTemplate as ContainerTaskSpec).ContainerSpec;

describe("a Gantry service as a Swarm service", () => {
  it("maps image, command, env, limits, restarts and the rollout onto Swarm's spec", () => {
    const spec = swarmServiceSpec(service({}, { memoryLimitMb: 64, cpuLimit: 0.5, restartPolicy: "on-failure", stopSignal: "SIGINT", gracePeriodSeconds: 4 }), "owner-1", 412, "hostnet");
    expect(spec.Name).toBe("gantry-web");
    expect(spec.Labels).toEqual({ "gantry.owner": "owner-1", "gantry.service": service().id, "gantry.revision": "3", "gantry.port-block": "412" });
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 2 } });
    expect(containerOf(spec)).toMatchObject({ Image: "busybox:1.36", Command: ["httpd"], Args: ["-f"], StopSignal: "SIGINT", StopGracePeriod: 4e9 });
    // What the user wrote stays literal; PORT and the instance id are Swarm's per-task templates.
    expect(containerOf(spec)?.Env).toEqual(['GREETING=hi {{"{{"}}.Task.ID}}', "GANTRY_SERVICE=web", 'PORT=412{{printf "%02s" .Task.Slot}}', 'GANTRY_INSTANCE=web-{{printf "%.10s" .Task.ID}}']);
    expect(spec.TaskTemplate?.Resources?.Limits).toEqual({ MemoryBytes: 64 * 1024 * 1024, NanoCPUs: 5e8 });
    expect(spec.TaskTemplate?.RestartPolicy).toMatchObject({ Condition: "on-failure" });
    expect(spec.TaskTemplate?.Networks).toEqual([{ Target: "hostnet" }]);
    expect(spec.UpdateConfig).toEqual({ Parallelism: 1, Delay: 6.5e9, Order: "stop-first", Monitor: 1.5e9, MaxFailureRatio: 0, FailureAction: "rollback" });
    expect(spec.RollbackConfig).toMatchObject({ Order: "stop-first", FailureAction: "pause" });
  });

  it("places tasks by the service's constraints and spreads them over a node attribute", () => {
    expect(swarmServiceSpec(service(), "o", 300, "h").TaskTemplate?.Placement).toEqual({ Constraints: [], Preferences: [] });
    const placed = swarmServiceSpec(service({}, { placement: { constraints: ["node.role != manager", "node.labels.zone==eu"], spread: ["node.labels.rack"] } }), "o", 300, "h");
    expect(placed.TaskTemplate?.Placement).toEqual({ Constraints: ["node.role!=manager", "node.labels.zone==eu"], Preferences: [{ Spread: { SpreadDescriptor: "node.labels.rack" } }] });
    // Checked where it is typed: not a constraint, or not a swarm service.
    expect(instanceTemplate.safeParse({ runtime: "swarm", image: "busybox", command: "", placement: { constraints: ["zone=eu"], spread: [] } }).error?.issues[0]?.message).toBe("a constraint is like node.labels.zone==eu or node.role!=manager");
    expect(instanceTemplate.safeParse({ command: "node", placement: { constraints: ["node.role==worker"], spread: [] } }).error?.issues[0]?.message).toBe("placement is for swarm services; this one runs a process");
  });

  it("runs a shell line under /bin/sh -c, as a container does, and pauses a failed update without auto-rollback", () => {
    const spec = swarmServiceSpec(service({ strategy: { ...swarmDefaultStrategy, maxUnavailable: 2 } }, { command: "echo $PORT", shell: true, args: ["x"] }), "o", 300, "h");
    expect(containerOf(spec)).toMatchObject({ Command: ["/bin/sh", "-c"], Args: ["echo $PORT", "web", "x"] });
    expect(spec.UpdateConfig).toMatchObject({ Parallelism: 2, FailureAction: "pause", Monitor: 1 });
  });

  it("hands secret values over as Swarm secrets, named by content, read into env by a wrapper around the command", () => {
    const secretive = service({ env: { TOKEN: "s3cret", MODE: "live" } }, { env: { TOKEN: "s3cret", MODE: "live" }, secretEnv: ["TOKEN"] });
    const [secret] = swarmSecretsOf(secretive);
    expect(secret).toMatchObject({ key: "TOKEN", value: "s3cret", name: expect.stringMatching(/^gantry-web-TOKEN-[0-9a-f]{12}$/) });
    // A new value is a new secret (Swarm's can't change), so the spec changes and the tasks roll.
    expect(swarmSecretsOf({ ...secretive, env: { TOKEN: "rotated" } })[0]!.name).not.toBe(secret!.name);
    const spec = swarmServiceSpec(secretive, "o", 300, "h", new Map([[secret!.name, "sec-id"]]));
    expect(JSON.stringify(spec)).not.toContain("s3cret");
    expect(containerOf(spec)?.Env).toContain("MODE=live");
    expect(containerOf(spec)?.Secrets).toEqual([{ SecretID: "sec-id", SecretName: secret!.name, File: { Name: "gantry-env-TOKEN", UID: "0", GID: "0", Mode: 0o444 } }]);
    expect(containerOf(spec)).toMatchObject({ Command: ["/bin/sh", "-c"], Args: [expect.stringContaining('exec "$@"'), "web", "httpd", "-f"] });
    expect(() => swarmServiceSpec(secretive, "o", 300, "h")).toThrow(/secret .* was not created/);
    expect(() => swarmServiceSpec(service({}, { command: "", secretEnv: ["GREETING"], env: { GREETING: "x" } }), "o", 300, "h")).toThrow(/give it a command/);
  });

  it("refuses what Swarm can't be asked, saying what to change", () => {
    expect(() => swarmServiceSpec(service({ strategy: defaultStrategy }), "o", 300, "h")).toThrow(/set max surge to 0 and max unavailable to 1 or more/);
    expect(() => swarmServiceSpec(service({}, { network: "published" }), "o", 300, "h")).toThrow(/host network/);
    expect(() => swarmServiceSpec(service({ replicas: 100 }), "o", 300, "h")).toThrow(/at most 99 tasks/);
  });

  it("gives each slot its port in the block, and each task a stable instance id", () => {
    expect([slotPort(412, 1), slotPort(412, 99)]).toEqual([41201, 41299]);
    expect(taskInstanceId("web", "yreqr1evs6czz01ala2vpyqqn")).toBe("web-yreqr1evs6");
  });
});
