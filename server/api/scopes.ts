import { z } from "zod";
import type { Labels } from "../contracts/access";
import { serviceLabels } from "../contracts/access";
import type { ScopeResolver } from "./trpc";

// Resolvers read the raw input (authorization runs before parsing): whatever they can't make out
// resolves to undefined, which leaves only the global role to decide.
const uuid = z.string().uuid();
const field = (raw: unknown, name: string): unknown => (typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[name] : undefined);

async function labelsOf(ctx: Parameters<ScopeResolver>[0], ids: unknown[]): Promise<Labels[] | undefined> {
  if (ids.length === 0 || !ids.every((id) => uuid.safeParse(id).success)) return undefined;
  const unique = [...new Set(ids as string[])];
  const rows = await ctx.prisma.service.findMany({ where: { id: { in: unique } }, select: { labels: true } });
  if (rows.length !== unique.length) return undefined;
  return rows.map((row) => serviceLabels.catch({}).parse(row.labels));
}

/** The service whose id is in the input field `name`. */
export const onService =
  (name = "id"): ScopeResolver =>
  (ctx, raw) =>
    labelsOf(ctx, [field(raw, name)]);

/** A new service: the labels it will carry. */
export const onNewService: ScopeResolver = async (_ctx, raw) => {
  const labels = serviceLabels.safeParse(field(raw, "labels") ?? {});
  return labels.success ? [labels.data] : undefined;
};

/** An edit needs the role on the service as it is and, if it relabels it, as it will be. */
export const onServiceEdit: ScopeResolver = async (ctx, raw) => {
  const current = await labelsOf(ctx, [field(raw, "id")]);
  const next = field(field(raw, "patch"), "labels");
  if (!current || next === undefined) return current;
  const parsed = serviceLabels.safeParse(next);
  return parsed.success ? [...current, parsed.data] : undefined;
};

/** Canvas moves of several services at once. */
export const onPlacedServices: ScopeResolver = (ctx, raw) => {
  const positions = field(raw, "positions");
  return labelsOf(ctx, Array.isArray(positions) ? positions.map((p) => field(p, "id")) : []);
};

/** An instance acts on its service. */
export const onInstance =
  (name = "id"): ScopeResolver =>
  (ctx, raw) => {
    const id = field(raw, name);
    const instance = typeof id === "string" ? ctx.engine.instances().find((i) => i.id === id) : undefined;
    return labelsOf(ctx, instance ? [instance.serviceId] : []);
  };

/** A dependency A → B changes what A's instances are given: it is A's. */
export const onDependency: ScopeResolver = async (ctx, raw) => {
  const id = field(raw, "id");
  if (!uuid.safeParse(id).success) return undefined;
  const edge = await ctx.prisma.dependency.findUnique({ where: { id: id as string }, select: { fromId: true } });
  return edge ? labelsOf(ctx, [edge.fromId]) : undefined;
};

/** A traffic run acts on the service it sends to. */
export const onLoadJob: ScopeResolver = (ctx, raw) => {
  const job = ctx.loadgen.list().find((j) => j.id === field(raw, "id"));
  return labelsOf(ctx, job ? [job.serviceId] : []);
};

/** Chaos acts on the service whose traffic it hits: the service itself, or an edge's callee. */
export const onFaultTarget: ScopeResolver = async (ctx, raw) => {
  const target = field(raw, "target");
  const serviceId = field(target, "serviceId");
  if (serviceId !== undefined) return labelsOf(ctx, [serviceId]);
  const edgeId = field(target, "edgeId");
  if (!uuid.safeParse(edgeId).success) return undefined;
  const edge = await ctx.prisma.dependency.findUnique({ where: { id: edgeId as string }, select: { toId: true } });
  return edge ? labelsOf(ctx, [edge.toId]) : undefined;
};

/** An injected fault acts on the service it hits. */
export const onInjection: ScopeResolver = (ctx, raw) => {
  const injection = ctx.engine.chaos.list().find((i) => i.id === field(raw, "id"));
  return labelsOf(ctx, injection ? [injection.serviceId] : []);
};
