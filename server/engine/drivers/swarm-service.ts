import { createHash } from "node:crypto";
import type { ServiceSpec } from "dockerode";
import type { RestartPolicy } from "../../contracts/service";
import { swarmIssues, swarmUpdatePolicy } from "../../contracts/swarm";
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

/** A secret env value of a swarm service, as the Swarm secret that carries it to the tasks. */
export type SwarmSecret = { key: string; name: string; value: string };

/** Where a task finds its secrets: /run/secrets/gantry-env-<KEY>, which the entrypoint wrapper reads into KEY. */
const SECRET_FILE_PREFIX = "gantry-env-";
/**
 * Runs the task's own command with each secret file exported as the variable it is named after
 * (Swarm hands secrets over as files only). `$(cat)` drops trailing newlines, as a shell does.
 */
const SECRET_WRAPPER = `for f in /run/secrets/${SECRET_FILE_PREFIX}*; do [ -e "$f" ] || continue; export "\${f#/run/secrets/${SECRET_FILE_PREFIX}}=$(cat "$f")"; done; exec "$@"`;

/**
 * One Swarm secret per secret value, named after the service, the variable and a hash of the
 * value: Swarm secrets can't be changed, so a new value is a new secret, and the service spec that
 * names it rolls the tasks over to it.
 */
export function swarmSecretsOf(service: Pick<ClusterService, "id" | "name" | "template" | "env">): SwarmSecret[] {
  return service.template.secretEnv.flatMap((key) => {
    const value = service.env[key];
    if (value === undefined) return [];
    const hash = createHash("sha256").update(`${service.id}\0${key}\0${value}`).digest("hex").slice(0, 12);
    // Swarm caps names at 64 characters.
    return [{ key, value, name: `${`gantry-${service.name}-${key}`.slice(0, 51)}-${hash}` }];
  });
}

/**
 * The Swarm service spec of a Gantry service at one revision, its secrets referenced by the ids
 * Swarm gave them; throws ClusterRefusal for what Swarm can't be asked.
 */
export function swarmServiceSpec(service: ClusterService, owner: string, block: number, hostNetwork: string, secretIds: ReadonlyMap<string, string> = new Map()): ServiceSpec {
  const refusals = swarmIssues(service);
  if (refusals.length > 0) throw new ClusterRefusal(refusals.map((r) => r.message).join("; "));
  const { template, strategy } = service;
  const image = template.image;
  if (!image) throw new ClusterRefusal("a swarm service needs an image");
  const revision = String(service.revision);
  const secrets = swarmSecretsOf(service);
  const secretKeys = new Set(secrets.map((s) => s.key));
  // Swarm reads every value as a template: what the user wrote stays literal.
  const env = Object.entries(service.env)
    .filter(([name]) => !secretKeys.has(name))
    .map(([name, value]) => `${name}=${value.replaceAll("{{", '{{"{{"}}')}`);
  env.push(`PORT=${portTemplate(block)}`, `GANTRY_INSTANCE=${instanceIdTemplate(service.name)}`);
  const policy = swarmUpdatePolicy(strategy);
  const update = {
    Parallelism: policy.parallelism,
    Delay: Math.round(policy.delaySeconds * SECOND_NS),
    Order: policy.order,
    // Swarm reads 0 as its default of 5 s; the smallest window it takes is 1 ns.
    Monitor: Math.max(1, Math.round(policy.monitorSeconds * SECOND_NS)),
    MaxFailureRatio: 0,
  };
  return {
    Name: `gantry-${service.name}`,
    Labels: { [swarmLabels.owner]: owner, [swarmLabels.service]: service.id, [swarmLabels.revision]: revision, [swarmLabels.portBlock]: String(block) },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        ...(secrets.length ? wrapped(commandOf(service), service.name) : commandOf(service)),
        Env: env,
        Secrets: secrets.map((secret) => {
          const id = secretIds.get(secret.name);
          if (!id) throw new Error(`the Swarm secret ${secret.name} was not created`);
          return { SecretID: id, SecretName: secret.name, File: { Name: `${SECRET_FILE_PREFIX}${secret.key}`, UID: "0", GID: "0", Mode: 0o444 } };
        }),
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
    UpdateConfig: { ...update, FailureAction: policy.failureAction },
    RollbackConfig: { ...update, FailureAction: "pause" },
  };
}

/** The task's command run by the secret wrapper (a swarm service with secrets has a command: see swarmIssues). */
function wrapped({ Command = [], Args = [] }: { Command?: string[]; Args?: string[] }, name: string): { Command: string[]; Args: string[] } {
  return { Command: ["/bin/sh", "-c"], Args: [SECRET_WRAPPER, name, ...Command, ...Args] };
}

/** As for a container (see containerOptions): `command` replaces the entrypoint, `args` the cmd; a shell line runs under /bin/sh -c. */
function commandOf({ template, name }: ClusterService): { Command?: string[]; Args?: string[] } {
  const { command, args, shell } = template;
  if (shell) return { Command: ["/bin/sh", "-c"], Args: [command, name, ...args] };
  if (command) return { Command: [command], Args: args };
  return args.length ? { Args: args } : {};
}
