"use client";

import type { TimelineSnapshot } from "@/server/contracts/timeline";
import { HealthBadge } from "../health-badge";
import { healthRank } from "../service-summary";
import { colourHealth, readyLine, trafficLine } from "./past-figures";

/** Overview's tiles at a past moment: each service's health, counts and traffic then, the worst first. */
export function PastTiles({ snapshot }: { snapshot: TimelineSnapshot }) {
  const services = [...snapshot.services].sort((a, b) => healthRank[colourHealth(a.health)] - healthRank[colourHealth(b.health)] || a.name.localeCompare(b.name));
  if (services.length === 0) return <p className="text-sm text-zinc-500">No services then.</p>;
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-[repeat(auto-fill,minmax(15rem,1fr))]" data-testid="past-tiles">
      {services.map((s) => (
        <div key={s.id} data-testid={`past-tile-${s.name}`} data-health={s.health} className={`rounded-lg border border-zinc-200 bg-white p-3 text-xs shadow-sm dark:border-zinc-800 dark:bg-zinc-900 ${s.deletedSince ? "opacity-60" : ""}`}>
          <div className="flex items-center justify-between gap-2">
            <span className="truncate text-sm font-semibold">{s.name}</span>
            {s.health === "unknown" ? <span className="text-zinc-500">unknown</span> : <HealthBadge health={s.health} />}
          </div>
          <p className="mt-2">
            {readyLine(s)} · rev {s.revision ?? "?"}
            {s.deletedSince && " · deleted since"}
          </p>
          <p className="mt-1 tabular-nums text-zinc-600 dark:text-zinc-400">{trafficLine(s.traffic)}</p>
        </div>
      ))}
    </div>
  );
}
