import type { ProbeStatus } from "@/server/contracts/probe";

const mark = { passing: "✓", failing: "✗", pending: "…" } as const;
const color = {
  passing: "text-emerald-600 dark:text-emerald-400",
  failing: "text-red-600 dark:text-red-400",
  pending: "text-zinc-400",
} as const;
const letter = { startup: "S", readiness: "R", liveness: "L" } as const;

function describe(probe: ProbeStatus): string {
  const head = `${probe.type} (${probe.kind}): ${probe.state}`;
  if (!probe.last) return `${head}; no result yet`;
  const when = new Date(probe.last.at).toLocaleTimeString();
  return `${head}\nlast ${probe.last.ok ? "pass" : "fail"} at ${when} in ${probe.last.latencyMs} ms\n${probe.last.message}`;
}

/** Compact S/R/L marks for an instance's probes; the latest result is in each tooltip. */
export function ProbeIndicators({ probes }: { probes: ProbeStatus[] }) {
  if (probes.length === 0) return <span className="text-xs text-zinc-400">—</span>;
  return (
    <span className="inline-flex gap-1.5 font-mono text-xs">
      {probes.map((probe) => (
        <span key={probe.type} title={describe(probe)} className={color[probe.state]} data-testid={`probe-${probe.type}`} data-state={probe.state}>
          {letter[probe.type]}
          {mark[probe.state]}
          {probe.last && <span className="ml-0.5 text-zinc-400">{Math.round(probe.last.latencyMs)}ms</span>}
        </span>
      ))}
    </span>
  );
}
