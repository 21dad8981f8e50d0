import type { ContainerCreateOptions } from "dockerode";
import type { LaunchSpec } from "./runtime-driver";

/** Labels that make a container findable again: whose it is, which instance, which revision. */
export const labels = { owner: "gantry.owner", instance: "gantry.instance", service: "gantry.service", revision: "gantry.revision" } as const;

const MIB = 1024 * 1024;

/** Container names allow [a-zA-Z0-9_.-]; service names are already close to that. */
const nameSafe = (value: string) => value.replace(/[^a-zA-Z0-9_.-]/g, "-");

/**
 * The container for one instance. The command follows Kubernetes' reading of Docker's: `command`
 * replaces the image's entrypoint and `args` its cmd; an empty command keeps the image's own. A
 * shell line runs as `/bin/sh -c line <instance id> args…`, as it does for a process. Restarts are
 * Gantry's, so the container's own policy is off; the memory limit has no swap beside it, so going
 * over it is an OOM kill the daemon reports.
 */
export function containerOptions(spec: LaunchSpec, owner: string, image: string): ContainerCreateOptions {
  const { template } = spec;
  const published = template.network === "published" && spec.port !== null;
  const portKey = `${spec.port}/tcp`;
  return {
    name: `gantry-${nameSafe(spec.serviceName)}-${nameSafe(spec.instanceId)}`,
    Image: image,
    ...entrypointAndCmd(spec),
    Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
    WorkingDir: template.cwd || undefined,
    User: template.user ?? undefined,
    StopSignal: template.stopSignal,
    Labels: {
      [labels.owner]: owner,
      [labels.instance]: spec.instanceId,
      [labels.service]: spec.serviceId,
      [labels.revision]: String(spec.revision),
    },
    ExposedPorts: published ? { [portKey]: {} } : undefined,
    HostConfig: {
      NetworkMode: template.network === "host" ? "host" : "bridge",
      PortBindings: published ? { [portKey]: [{ HostIp: "127.0.0.1", HostPort: String(spec.port) }] } : undefined,
      RestartPolicy: { Name: "no" },
      Memory: template.memoryLimitMb ? template.memoryLimitMb * MIB : undefined,
      MemorySwap: template.memoryLimitMb ? template.memoryLimitMb * MIB : undefined,
      NanoCpus: template.cpuLimit ? Math.round(template.cpuLimit * 1e9) : undefined,
    },
  };
}

function entrypointAndCmd({ template, instanceId }: LaunchSpec): Pick<ContainerCreateOptions, "Entrypoint" | "Cmd"> {
  const { command, args, shell } = template;
  if (shell) return { Entrypoint: ["/bin/sh", "-c"], Cmd: [command, instanceId, ...args] };
  if (command) return { Entrypoint: [command], Cmd: args };
  return args.length ? { Cmd: args } : {};
}

/** `busybox` pulls `busybox:latest`, as `docker run` does (the API alone would pull every tag). */
export function withTag(image: string): string {
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  return image.includes("@") || lastPart.includes(":") ? image : `${image}:latest`;
}
