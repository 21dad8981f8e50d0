import { entryStatus, type CatalogEntry } from "@/server/contracts/catalog";
import { healthOf, inRotation, type Instance, type ServiceHealth } from "@/server/contracts/instance";
import type { Service } from "@/server/contracts/service";

export type ServiceSummary = { ready: number; wanted: number; health: ServiceHealth; unit: "ready" | "healthy endpoints" };

/** Ready out of wanted, and the health that follows; an external service counts its endpoints. */
export function summarize(service: Pick<Service, "external" | "replicas">, instances: Pick<Instance, "phase" | "ready" | "ejected">[], endpoints: Pick<CatalogEntry, "checks">[]): ServiceSummary {
  if (!service.external) {
    const ready = instances.filter(inRotation).length;
    return { ready, wanted: service.replicas, health: healthOf(service.replicas, ready), unit: "ready" };
  }
  const ready = endpoints.filter((e) => entryStatus(e) !== "critical").length;
  const health: ServiceHealth = endpoints.length === 0 ? "idle" : ready === 0 ? "down" : ready < endpoints.length ? "degraded" : "healthy";
  return { ready, wanted: endpoints.length, health, unit: "healthy endpoints" };
}

/** Worst first: what on-call should look at. */
export const healthRank: Record<ServiceHealth, number> = { down: 0, degraded: 1, healthy: 2, idle: 3 };

/** The colour of each health where Tailwind classes can't go (a canvas, the minimap). */
export const healthHex: Record<ServiceHealth, string> = { healthy: "#10b981", degraded: "#f59e0b", down: "#ef4444", idle: "#a1a1aa" };

/** Tailwind classes per health, shared by badges, nodes and tiles. */
export const healthColors: Record<ServiceHealth, { dot: string; border: string; badge: string }> = {
  healthy: { dot: "bg-emerald-500", border: "border-emerald-500", badge: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" },
  degraded: { dot: "bg-amber-500", border: "border-amber-500", badge: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300" },
  down: { dot: "bg-red-500", border: "border-red-500", badge: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300" },
  idle: { dot: "bg-zinc-400", border: "border-zinc-300 dark:border-zinc-700", badge: "bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400" },
};
