import type { Service, ServiceCreateInput } from "../contracts/service";
import type { Logger } from "../lib/logger";
import type { Prisma } from "../store/database";
import type { Topology } from "./topology";

const demoService = (name: string, x: number): ServiceCreateInput => ({
  name,
  replicas: name === "api" ? 2 : 1,
  template: { command: "node", args: ["service.mjs"], cwd: "examples/demo", probes: { readiness: { kind: "http", path: "/healthz", periodSeconds: 2 } } },
  // The ingress gateway sends every request to web.
  traffic: name === "web" ? { routes: [{ pathPrefix: "/" }] } : {},
  position: { x, y: 120 },
});

/**
 * On the very first start (no services and no events ever), creates web → api → users so a new
 * user sees something. Deleting the demo later does not bring it back.
 */
export async function seedDemo(prisma: Prisma, topology: Topology, log: Logger): Promise<boolean> {
  const [services, events] = await Promise.all([prisma.service.count(), prisma.event.count()]);
  if (services > 0 || events > 0) return false;
  // Created stopped, wired (each edge gives its caller a revision with the link), then scaled up:
  // no instance starts without its links.
  const specs = [demoService("web", 0), demoService("api", 280), demoService("users", 560)];
  const created = [];
  for (const spec of specs) created.push(await topology.createService({ ...spec, replicas: 0 }, "system"));
  const [web, api, users] = created as [Service, Service, Service];
  await topology.createDependency({ fromId: web.id, toId: api.id }, "system");
  await topology.createDependency({ fromId: api.id, toId: users.id }, "system");
  for (const [i, spec] of specs.entries()) await topology.scaleService({ id: created[i]!.id, replicas: spec.replicas ?? 1 }, "system");
  log.info("created the demo topology web → api → users (GANTRY_DEMO=0 skips this)");
  return true;
}
