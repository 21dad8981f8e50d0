import { z } from "zod";
import { serviceLabels, type Labels } from "./access";
import { autoscaleSettings, type AutoscaleSettings } from "./autoscale";
import { hasName, namedRecord } from "./keys";
import { probeSet } from "./probe";
import { rolloutStrategy, rolloutStrategyPatch, type RolloutStrategy } from "./rollout";
import { serviceId } from "./service-id";

export { serviceId };
import { listenPort, trafficSettings, type TrafficSettings } from "./traffic";

/** RFC 1035 label, as Kubernetes Service names: it becomes a hostname and an env var prefix. */
export const serviceName = z
  .string({ error: (issue) => (issue.input === undefined ? "name is required" : "name must be a string") })
  .trim()
  .min(1, "name is required")
  .max(63, "name must be at most 63 characters")
  .regex(
    /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    "name must be a DNS label: lowercase letters, digits and '-', starting with a letter and not ending with '-'",
  );

export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names are letters, digits and '_', not starting with a digit")
  .refine((name) => name !== "PORT" && !name.startsWith("GANTRY_"), "PORT and GANTRY_* are set by Gantry");

export const restartPolicies = ["always", "on-failure", "never"] as const;
export type RestartPolicy = (typeof restartPolicies)[number];
export const stopSignals = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2"] as const;

export const replicas = z.number().int("replicas must be a whole number").min(0, "replicas must be 0 or more").max(100, "replicas must be at most 100");

export const runtimes = ["process", "docker", "swarm"] as const;
/** Runtimes whose instances are containers of an image (a Swarm task is one, on some node). */
export const containerRuntimes: readonly Runtime[] = ["docker", "swarm"];
export type Runtime = (typeof runtimes)[number];
export const containerNetworks = ["host", "published"] as const;

/** A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest]. */
const imageReference = z
  .string()
  .trim()
  .max(512, "image must be at most 512 characters")
  .regex(
    /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    "image must be a reference like busybox, busybox:1.36 or registry.example.com:5000/team/app:v2",
  );

const templateFields = {
  /** How instances run: local processes (the default), Docker containers, or tasks of a Docker Swarm service. */
  runtime: z.enum(runtimes),
  /**
   * Executable (argv[0]); with `shell`, a script line for /bin/sh -c. Required for processes; for
   * a container, empty runs the image's own command.
   */
  command: z.string().trim().max(4096),
  /** docker: the image instances run. */
  image: imageReference.nullable(),
  /** docker: the user the container runs as (`name`, `uid` or `uid:gid`); null is the image's. */
  user: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_-]*$|^\d+(:\d+)?$/i, "user must be a name, a uid or uid:gid")
    .max(64)
    .nullable(),
  /** docker: CPU cores the container may use (0.5 = half a core). */
  cpuLimit: z.number().min(0.01, "cpu limit must be at least 0.01 cores").max(1024, "cpu limit must be at most 1024 cores").nullable(),
  /**
   * docker: `host` shares Gantry's network (the container listens on PORT, as a process would);
   * `published` puts it on the daemon's bridge with PORT published on 127.0.0.1.
   */
  network: z.enum(containerNetworks),
  /**
   * swarm: where Swarm may place tasks (`node.labels.zone==eu`, `node.role!=manager`), and node
   * attributes to spread them evenly over (`node.labels.zone`), as `docker service create
   * --constraint` and `--placement-pref spread=` take them.
   */
  placement: z
    .object({
      constraints: z
        .array(z.string().trim().regex(/^(node|engine)\.[A-Za-z0-9._-]+\s*(==|!=)\s*[^\s=!]+$/, "a constraint is like node.labels.zone==eu or node.role!=manager"))
        .max(32)
        .default([]),
      spread: z
        .array(z.string().trim().regex(/^(node|engine)\.[A-Za-z0-9._-]+$/, "spread over a node attribute, such as node.labels.zone"))
        .max(8)
        .default([]),
    })
    .strict(),
  args: z.array(z.string().max(4096)).max(256),
  shell: z.boolean(),
  /** Working directory; relative paths resolve against Gantry's own working directory. Empty = that directory. */
  cwd: z.string().trim().max(4096),
  env: namedRecord(envName, z.string().max(32_768)),
  /** Names in env whose values are secret: stored encrypted, never sent to clients (see SECRET_PLACEHOLDER). */
  secretEnv: z.array(envName).max(256),
  restartPolicy: z.enum(restartPolicies),
  stopSignal: z.enum(stopSignals),
  gracePeriodSeconds: z.number().int().min(0).max(3600),
  /** Restart an instance whose resident memory (process tree, or container cgroup) exceeds this, with reason OOMKilled. */
  memoryLimitMb: z.number().int().min(1).max(1_048_576).nullable(),
  /** Whether the process accepts connections on PORT: without a readiness probe, readiness waits for it. */
  listens: z.boolean(),
  probes: probeSet,
};

/** Everything an instance is started from. Changing it creates a new Revision. */
export const instanceTemplate = z.object({
  ...templateFields,
  runtime: templateFields.runtime.default("process"),
  image: templateFields.image.default(null),
  user: templateFields.user.default(null),
  cpuLimit: templateFields.cpuLimit.default(null),
  network: templateFields.network.default("host"),
  placement: templateFields.placement.default({ constraints: [], spread: [] }),
  args: templateFields.args.default([]),
  shell: templateFields.shell.default(false),
  cwd: templateFields.cwd.default(""),
  env: templateFields.env.default({}),
  secretEnv: templateFields.secretEnv.default([]),
  restartPolicy: templateFields.restartPolicy.default("always"),
  stopSignal: templateFields.stopSignal.default("SIGTERM"),
  gracePeriodSeconds: templateFields.gracePeriodSeconds.default(10),
  memoryLimitMb: templateFields.memoryLimitMb.default(null),
  listens: templateFields.listens.default(true),
  probes: templateFields.probes.default({ startup: null, readiness: null, liveness: null }),
  /**
   * Where the service's dependencies are (B_URL → B's edge listener), given to instances beside
   * `env`. Gantry's own: it follows the dependency edges, and a change is a new revision like any
   * env change (see topology.relink); clients can't set it.
   */
  links: namedRecord(envName, z.string().max(2048)).default({}),
}).superRefine((template, ctx) => {
  for (const issue of runtimeIssues(template)) ctx.addIssue({ code: "custom", ...issue });
  for (const name of template.secretEnv) {
    if (!hasName(template.env, name)) ctx.addIssue({ code: "custom", path: ["secretEnv"], message: `secret ${name} has no value` });
  }
});
/** What a template needs for its runtime: a command for a process, an image for a container (and nothing only a container has, for a process). */
export function runtimeIssues(template: Pick<InstanceTemplate, "runtime" | "command" | "image" | "user" | "cpuLimit" | "cwd" | "placement">): Array<{ path: string[]; message: string }> {
  const placed = template.placement.constraints.length + template.placement.spread.length > 0;
  const placement = placed && template.runtime !== "swarm" ? [{ path: ["placement"], message: `placement is for swarm services; this one runs ${template.runtime === "process" ? "a process" : "a container on Gantry's own daemon"}` }] : [];
  if (containerRuntimes.includes(template.runtime)) {
    const issues = template.image ? placement : [{ path: ["image"], message: `image is required for a ${template.runtime} service` }, ...placement];
    if (template.cwd && !template.cwd.startsWith("/")) issues.push({ path: ["cwd"], message: "a container's working directory is an absolute path inside it" });
    return issues;
  }
  const issues = template.command ? placement : [{ path: ["command"], message: "command is required" }, ...placement];
  for (const field of ["image", "user", "cpuLimit"] as const) {
    if (template[field] !== null) issues.push({ path: [field], message: `${field} is for docker services; this one runs a process` });
  }
  return issues;
}

/**
 * What clients see instead of a secret value; sent back unchanged, it means "keep the stored one".
 */
export const SECRET_PLACEHOLDER = "<secret>";

/** Only the fields given change; no defaults are filled in. */
export const instanceTemplatePatch = z.object(templateFields).partial().strict();
export type InstanceTemplate = z.infer<typeof instanceTemplate>;
export type InstanceTemplateInput = z.input<typeof instanceTemplate>;

/** Canvas coordinates: far beyond any screen, short of what breaks layout math. */
const coordinate = z.number().finite().min(-1_000_000, "positions are within ±1,000,000").max(1_000_000, "positions are within ±1,000,000");
export const position = z.object({ x: coordinate, y: coordinate });
export type Position = z.infer<typeof position>;

export const serviceCreateInput = z.object({
  name: serviceName,
  replicas: replicas.default(1),
  template: instanceTemplate.refine((template) => Object.keys(template.links).length === 0, {
    message: "links are Gantry's: they follow the service's dependency edges",
    path: ["links"],
  }),
  traffic: trafficSettings.default(trafficSettings.parse({})),
  /** Omitted: Gantry picks a free one from GANTRY_LISTENER_PORT_RANGE. */
  listenPort: listenPort.optional(),
  position: position.optional(),
  strategy: rolloutStrategy.optional(),
  /** e.g. team=payments; roles can be granted on services carrying a label. */
  labels: serviceLabels.default({}),
  /** HPA-style autoscaling; `replicas` is then only where it starts. */
  autoscale: autoscaleSettings.nullable().default(null),
});
export type ServiceCreateInput = z.input<typeof serviceCreateInput>;


export const serviceUpdateInput = z.object({
  id: serviceId,
  /** The version the caller read; a newer one in the database means someone else changed it. */
  version: z.number().int().min(1),
  patch: z
    .object({
      replicas: replicas.optional(),
      /** Merged field by field over the current template. */
      template: instanceTemplatePatch.optional(),
      /** Merged field by field over the current traffic settings; never restarts instances. */
      traffic: trafficSettings.partial().optional(),
      listenPort: listenPort.optional(),
      /** Merged field by field over the current rollout strategy; never restarts instances. */
      strategy: rolloutStrategyPatch.optional(),
      /** Replaces the labels; never restarts instances. */
      labels: serviceLabels.optional(),
      /** Replaces the autoscaling settings; null turns autoscaling off. */
      autoscale: autoscaleSettings.nullable().optional(),
    })
    .strict(),
});
export type ServiceUpdateInput = z.input<typeof serviceUpdateInput>;

export type Service = {
  id: string;
  /** Registered through the Consul agent API, not run by Gantry: it has endpoints, not instances. */
  external: boolean;
  /** Deletion was requested; the engine is stopping its instances before removing it. */
  deleting: boolean;
  name: string;
  version: number;
  replicas: number;
  revision: number;
  template: InstanceTemplate;
  traffic: TrafficSettings;
  /** How a new revision replaces the running one. */
  strategy: RolloutStrategy;
  labels: Labels;
  /** The service's stable proxy address is 127.0.0.1:listenPort. */
  listenPort: number | null;
  /** HPA-style autoscaling of `replicas`; null when only people scale it. */
  autoscale: AutoscaleSettings | null;
  /** When a hand scale paused autoscaling (until someone resumes it); null while it runs. */
  autoscalePausedAt: string | null;
  /** On the topology canvas; null until placed. */
  position: Position | null;
  createdAt: string;
  updatedAt: string;
};

/** Moves services on the canvas: layout only, so no new version, revision or event. */
export const servicePlaceInput = z.object({
  positions: z.array(position.extend({ id: serviceId })).min(1).max(1000),
});
export type ServicePlaceInput = z.input<typeof servicePlaceInput>;

export const serviceScaleInput = z.object({ id: serviceId, replicas });
export type ServiceScaleInput = z.input<typeof serviceScaleInput>;

/**
 * An edge changes what `from`'s instances are given (TO_URL): with `rollout` (the default) they are
 * rolled to a revision that has it, like any env change; without, `from` is left pending until its
 * next rollout.
 */
export const dependencyCreateInput = z.object({ fromId: serviceId, toId: serviceId, rollout: z.boolean().default(true) });
export type DependencyCreateInput = z.input<typeof dependencyCreateInput>;
export const dependencyDeleteInput = z.object({ id: z.string().uuid("not a valid dependency id"), rollout: z.boolean().default(true) });
export type DependencyDeleteInput = z.input<typeof dependencyDeleteInput>;
/** What adding an edge (from → to), or removing one (id), would do to `from`'s instances. */
export const dependencyPlanInput = z.union([z.object({ fromId: serviceId, toId: serviceId }).strict(), z.object({ id: z.string().uuid("not a valid dependency id") }).strict()]);
export type DependencyPlanInput = z.input<typeof dependencyPlanInput>;

/** from calls to; from's instances find to at TO_URL = http://127.0.0.1:port (this edge's own listener). */
export type Dependency = { id: string; fromId: string; toId: string; port: number | null; createdAt: string };
