import { serviceHealth, type Instance } from "@/server/contracts/instance";

const styles = {
  healthy: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  degraded: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  down: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  idle: "bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400",
};

/** A service's health at a glance: all wanted replicas ready, some, or none. */
export function HealthBadge({ replicas, instances }: { replicas: number; instances: Pick<Instance, "phase" | "ready">[] }) {
  const health = serviceHealth(replicas, instances);
  return (
    <span data-testid="service-health" className={`rounded-full px-2 py-0.5 text-xs font-medium capitalize ${styles[health]}`}>
      {health}
    </span>
  );
}
