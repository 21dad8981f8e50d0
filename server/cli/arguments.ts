import { usageError } from "./exit-codes";

export type ScaleRequest = { service: string; replicas: number };

/** `api=3 web=2` → who gets how many; each service once, 0 to 100 replicas. */
export function parseScaleArgs(args: readonly string[]): ScaleRequest[] {
  if (args.length === 0) throw usageError("say what to scale: gantry scale api=3 [web=2 …]");
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = /^([a-z][-a-z0-9]*)=(\d+)$/.exec(arg);
    if (!match) throw usageError(`scale takes service=replicas, like api=3, not ${arg}`);
    const [, service, count] = match as unknown as [string, string, string];
    const replicas = Number(count);
    if (replicas > 100) throw usageError(`${service}: replicas must be at most 100`);
    if (seen.has(service)) throw usageError(`${service} is named twice`);
    seen.add(service);
    return { service, replicas };
  });
}

/** A whole number within bounds, for options like --tail and --limit. */
export function parseCount(name: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw usageError(`${name} must be a whole number from ${min} to ${max}, not ${raw}`);
    return Number(raw);
  };
}

export const resourceKinds = ["services", "instances", "events", "rollouts"] as const;
export type ResourceKind = (typeof resourceKinds)[number];

const aliases: Record<string, ResourceKind> = {
  service: "services",
  svc: "services",
  instance: "instances",
  event: "events",
  rollout: "rollouts",
};

/** `get svc`, `get service` and `get services` are the same, as in kubectl. */
export function parseResourceKind(raw: string): ResourceKind {
  if ((resourceKinds as readonly string[]).includes(raw)) return raw as ResourceKind;
  const kind = aliases[raw];
  if (!kind) throw usageError(`can't get ${raw}: choose one of ${resourceKinds.join(", ")}`);
  return kind;
}
