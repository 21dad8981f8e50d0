"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import type { FieldChange, ServiceDrift } from "@/server/contracts/config";
import type { TopologySnapshot } from "@/server/contracts/realtime";
import { useTRPC } from "../trpc";

/**
 * Services changed on the canvas or through the API since their last `gantry apply`, by name.
 * Asked again whenever the topology changes (a service's version or an edge), not on a timer.
 */
export function useDrift(topology: TopologySnapshot | undefined): Map<string, ServiceDrift> {
  const trpc = useTRPC();
  // Per topology, not per render: at 1,000 services this string is 100 KB.
  const version = useMemo(() => topology && [...topology.services.map((s) => `${s.id}@${s.version}`), ...topology.dependencies.map((d) => d.id)].join(","), [topology]);
  const { data, refetch } = useQuery(trpc.config.drift.queryOptions(undefined, { enabled: version !== undefined, staleTime: Infinity }));
  const asked = useRef(version);
  useEffect(() => {
    // The first ask is the query's own (enabled); later topology changes ask again.
    if (asked.current !== undefined && asked.current !== version) void refetch();
    asked.current = version;
  }, [version, refetch]);
  return useMemo(() => new Map((data ?? []).filter((d) => d.changedSinceApply).map((d) => [d.name, d])), [data]);
}

const shown = (value: FieldChange["before"]) => (value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

/** One line per changed field: `replicas: 2 → 4`. */
export const describeChange = (change: FieldChange) => `${change.path || "(whole spec)"}: ${shown(change.before)} → ${shown(change.after)}`;

/** On a node: this service no longer matches the file it was applied from. */
export function DriftBadge({ drift }: { drift: ServiceDrift }) {
  return (
    <span
      data-testid="node-drift"
      title={`Changed since apply:\n${drift.changes.map(describeChange).join("\n")}`}
      className="rounded-full border border-amber-400 px-1.5 text-[10px] text-amber-800 dark:text-amber-300"
    >
      changed since apply
    </span>
  );
}

/** In the inspector and on the service card: what differs from the last applied file, field by field. */
export function DriftNotice({ drift }: { drift: ServiceDrift | undefined }) {
  if (!drift) return null;
  return (
    <details data-testid="drift-notice" className="mt-2 rounded-md bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
      <summary className="cursor-pointer">
        Changed since apply: {drift.changes.length} field{drift.changes.length === 1 ? "" : "s"} differ from the last applied gantry.yaml (<code>gantry diff</code> shows them;
        the next apply puts them back).
      </summary>
      <ul className="mt-1 space-y-0.5 font-mono">
        {drift.changes.map((change) => (
          <li key={change.path}>{describeChange(change)}</li>
        ))}
      </ul>
    </details>
  );
}
