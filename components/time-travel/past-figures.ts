import type { ServiceHealth } from "@/server/contracts/instance";
import type { PastService, PastTraffic } from "@/server/contracts/timeline";
import { formatMs, formatPercent, formatRate } from "../format";

/** Colours of a past health: "unknown" (older events said too little) looks idle. */
export const colourHealth = (health: PastService["health"]): ServiceHealth => (health === "unknown" ? "idle" : health);

/** "2/3 ready", with "?" for counts the events didn't record. */
export const readyLine = (s: PastService) => `${s.ready ?? "?"}/${s.wanted ?? "?"} ready`;

/** Requests, errors and p95 then; "no data" where the series has no point at that moment. */
export function trafficLine(traffic: PastTraffic | null): string {
  if (!traffic) return "no data";
  const errors = traffic.errorRate > 0 ? ` · ${formatPercent(traffic.errorRate)} err` : "";
  return `${formatRate(traffic.rps)}${errors} · p95 ${formatMs(traffic.p95)}`;
}
