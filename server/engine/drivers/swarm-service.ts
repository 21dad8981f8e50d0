import type { ServiceSpec } from "dockerode";
import type { RestartPolicy } from "../../contracts/service";
import { swarmIssues } from "../../contracts/swarm";
import { ClusterRefusal, type ClusterService } from "./runtime-driver";

/** Labels on a Swarm service (and its tasks' containers) that say whose it is and what it runs. */
export const swarmLabels = { owner: "gantry.owner", service: "gantry.service", revision: "gantry.revision", portBlock: "gantry.port-block" } as const;

/**
 * Tasks share their node's network (there is no overlay to rely on), so each takes a port of its
 * own from its slot: a service owns a block of 100 ports and slot s listens on block × 100 + s. Swarm
 * renders PORT per task from a template (`{{.Task.Slot}}`), so the port follows the task wherever
 * Swarm places it, and two tasks of one service can share a node.
 */
export const slotPort = (block: number, slot: number) => block * 100 + slot;
/** Swarm's template for PORT: the block's digits, then the slot as two digits ("4021" + "07"). */
const portTemplate = (block: number) => `${block}{{printf "%02s" .Task.Slot}}`;
/** The instance id Gantry shows for a task (its service name and the task id's first characters). */
export const taskInstanceId = (serviceName: string, taskId: string) => `${serviceName}-${taskId.slice(0, 10)}`;
const instanceIdTemplate = (serviceName: string) => `${serviceName}-{{printf "%.10s" .Task.ID}}`;

const restartConditions: Record<RestartPolicy, "any" | "on-failure" | "none"> = { always: "any", "on-failure": "on-failure", never: "none" };
const MIB = 1024 * 1024;
const SECOND_NS = 1e9;
/** How long after a task runs Gantry is expected to have seen it and probed it ready. */
const READY_LAG_SECONDS = 2;

/** The Swarm service spec of a Gantry service at one revision; throws ClusterRefusal for what Swarm can't be asked. */
export function swarmServiceSpec(service: ClusterService, owner: string, block: number, hostNetwork: string): ServiceSpec {
  const refusals = swarmIssues(service);
  if (refusals.length > 0) throw new ClusterRefusal(refusals.map((r) => r.message).join("; "));
  const { template, strategy } = service;
  const image = template.image;
  if (!image) throw new ClusterRefusal("a swarm service needs an image");
  const revision = String(service.revision);
  // Swarm reads every value as a template: what the user wrote stays literal.
  const env = Object.entries(service.env).map(([name, value]) => `${name}=${value.replaceAll("{{", '{{"{{"}}')}`);
  env.push(`PORT=${portTemplate(block)}`, `GANTRY_INSTANCE=${instanceIdTemplate(service.name)}`);
  const update = {
    Parallelism: strategy.maxUnavailable,
    // Swarm moves on once a new task runs, not once Gantry's probes call it ready: the pause gives
    // them time (and is minReadySeconds, Gantry's wait before an instance counts).
    Delay: Math.round((strategy.minReadySeconds + READY_LAG_SECONDS) * SECOND_NS),
    Order: "stop-first",
    // Swarm reads 0 as its default of 5 s; the smallest window it takes is 1 ns.
    Monitor: Math.max(1, Math.round(strategy.minReadySeconds * SECOND_NS)),
    MaxFailureRatio: 0,
  };
  return {
    Name: `gantry-${service.name}`,
    Labels: { [swarmLabels.owner]: owner, [swarmLabels.service]: service.id, [swarmLabels.revision]: revision, [swarmLabels.portBlock]: String(block) },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        ...commandOf(service),
        Env: env,
        Dir: template.cwd || undefined,
        User: template.user ?? undefined,
        StopSignal: template.stopSignal,
        StopGracePeriod: template.gracePeriodSeconds * SECOND_NS,
        Labels: { [swarmLabels.owner]: owner, [swarmLabels.service]: service.id, [swarmLabels.revision]: revision },
      },
      Resources: {
        Limits: {
          MemoryBytes: template.memoryLimitMb ? template.memoryLimitMb * MIB : undefined,
          NanoCPUs: template.cpuLimit ? Math.round(template.cpuLimit * SECOND_NS) : undefined,
        },
      },
      RestartPolicy: { Condition: restartConditions[template.restartPolicy], Delay: SECOND_NS },
      Placement: {
        Constraints: template.placement.constraints.map((c) => c.replace(/\s+/g, "")),
        Preferences: template.placement.spread.map((attribute) => ({ Spread: { SpreadDescriptor: attribute } })),
      },
      Networks: [{ Target: hostNetwork }],
    },
    Mode: { Replicated: { Replicas: service.replicas } },
    UpdateConfig: { ...update, FailureAction: strategy.autoRollback ? "rollback" : "pause" },
    RollbackConfig: { ...update, FailureAction: "pause" },
  };
}

/** As for a container (see containerOptions): `command` replaces the entrypoint, `args` the cmd; a shell line runs under /bin/sh -c. */
function commandOf({ template, name }: ClusterService): { Command?: string[]; Args?: string[] } {
  const { command, args, shell } = template;
  if (shell) return { Command: ["/bin/sh", "-c"], Args: [command, name, ...args] };
  if (command) return { Command: [command], Args: args };
  return args.length ? { Args: args } : {};
}
