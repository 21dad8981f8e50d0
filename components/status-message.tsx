import type { ReactNode } from "react";

/** Loading, empty and error states share one quiet look. */
export function StatusMessage({ tone = "muted", children }: { tone?: "muted" | "error"; children: ReactNode }) {
  const color = tone === "error" ? "text-red-600 dark:text-red-400" : "text-zinc-500 dark:text-zinc-400";
  return (
    <div role={tone === "error" ? "alert" : "status"} className={`rounded-lg border border-dashed border-zinc-300 px-6 py-10 text-center text-sm dark:border-zinc-700 ${color}`}>
      {children}
    </div>
  );
}
