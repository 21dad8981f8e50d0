import type { ServiceHealth } from "@/server/contracts/instance";
import { healthColors } from "./service-summary";

/** A service's health at a glance: all wanted replicas ready, some, or none. */
export function HealthBadge({ health }: { health: ServiceHealth }) {
  return (
    <span data-testid="service-health" className={`rounded-full px-2 py-0.5 text-xs font-medium capitalize ${healthColors[health].badge}`}>
      {health}
    </span>
  );
}
