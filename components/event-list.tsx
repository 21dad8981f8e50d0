"use client";

import type { GantryEvent } from "@/server/contracts/event";
import { RelativeTime } from "./relative-time";

const kindTone = (kind: string) =>
  kind.endsWith(".deleted") || kind.includes("fail") || kind.includes("crash")
    ? "bg-red-100 text-red-700 dark:bg-red-950 dark:text-red-300"
    : kind.endsWith(".created")
      ? "bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300"
      : "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300";

/** Events, one a row; on a phone the message takes a line of its own under when, what and who. */
export function EventList({ events }: { events: GantryEvent[] }) {
  return (
    <ol className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800/60 dark:border-zinc-800 dark:bg-zinc-900">
      {events.map((event) => (
        <li key={event.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-2 text-sm sm:flex-nowrap" data-testid="event">
          <span className="shrink-0 text-xs text-zinc-500 sm:w-28">
            <RelativeTime iso={event.at} />
          </span>
          <span className={`shrink-0 rounded px-1.5 py-0.5 font-mono text-[11px] ${kindTone(event.kind)}`}>{event.kind}</span>
          <span className="order-last min-w-0 basis-full wrap-anywhere sm:order-none sm:flex-1 sm:basis-auto">{event.message}</span>
          <span className="ml-auto min-w-0 truncate text-xs text-zinc-400 sm:ml-0 sm:shrink-0">{event.actor}</span>
        </li>
      ))}
    </ol>
  );
}
