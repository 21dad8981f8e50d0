import type { Instance } from "@/server/contracts/instance";

const tone = {
  good: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  warn: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  bad: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  busy: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  idle: "bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400",
};

function toneOf(instance: Pick<Instance, "phase" | "ready">): keyof typeof tone {
  switch (instance.phase) {
    case "Running":
      return instance.ready ? "good" : "warn";
    case "CrashLoop":
    case "Failed":
      return "bad";
    case "Pending":
    case "Starting":
      return "busy";
    default:
      return "idle";
  }
}

/** The instance's phase; "Running" is qualified as Ready or Unready. */
export function PhaseBadge({ instance }: { instance: Pick<Instance, "phase" | "ready"> }) {
  const label = instance.phase === "Running" ? (instance.ready ? "Ready" : "Unready") : instance.phase;
  return <span className={`inline-block rounded px-1.5 py-0.5 text-xs font-medium ${tone[toneOf(instance)]}`}>{label}</span>;
}
