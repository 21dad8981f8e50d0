import type { ReactNode } from "react";
import { cardClass } from "./page-section";
import { TableHead } from "./table-head";

export const rowClass = "border-t border-zinc-100 dark:border-zinc-800/60";
export const cellClass = "px-4 py-2 align-top";
/** A quiet text button for a table row's actions. */
export const rowActionClass =
  "rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800";

/** A named table on a card: the rows are the caller's `<tr>`s. */
export function TableCard({ label, headers, children }: { label: string; headers: string[]; children: ReactNode }) {
  return (
    <div className={`overflow-x-auto ${cardClass}`}>
      <table aria-label={label} className="w-full text-left text-sm">
        <TableHead labels={headers} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
