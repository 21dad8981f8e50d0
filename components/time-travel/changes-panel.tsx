"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { PastService, ServiceChange } from "@/server/contracts/timeline";
import { StatusMessage } from "../status-message";
import { useTRPC } from "../trpc";
import { describeMoment, fromLocalInput, toLocalInput } from "./moment";

const stateLine = (s: PastService | null) =>
  s === null ? "did not exist" : `${s.health}, ${s.ready ?? "?"}/${s.wanted ?? "?"} ready, revision ${s.revision ?? "unknown"}${s.deletedSince ? " (deleted since)" : ""}`;

function ChangeItem({ change }: { change: ServiceChange }) {
  return (
    <li className="py-2" data-testid={`change-${change.name}`}>
      <p className="font-semibold">{change.name}</p>
      <p className="text-zinc-600 dark:text-zinc-400">
        {stateLine(change.before)} → {stateLine(change.after)}
      </p>
      <ul className="mt-1 space-y-0.5">
        {change.events.map((e) => (
          <li key={e.id} className="text-zinc-500">
            <span className="tabular-nums">{new Date(e.at).toLocaleTimeString()}</span> {e.message}
          </li>
        ))}
        {change.moreEvents > 0 && <li className="text-zinc-500">…and {change.moreEvents} earlier event(s)</li>}
      </ul>
    </li>
  );
}

/** "What changed between A and B": each service's state at both moments and the events between. */
export function ChangesPanel({ defaultFrom, now, onClose }: { defaultFrom: number; now: number; onClose(): void }) {
  const trpc = useTRPC();
  const [range, setRange] = useState({ from: defaultFrom, to: now });
  const changes = useQuery(trpc.timeline.changes.queryOptions(range));
  const edit = (field: "from" | "to") => (value: string) => {
    const moment = fromLocalInput(value);
    if (moment !== undefined) setRange((r) => ({ ...r, [field]: moment }));
  };
  return (
    <div className="mt-2 border-t border-zinc-200 pt-2 dark:border-zinc-800" data-testid="time-travel-changes">
      <div className="flex flex-wrap items-center gap-2">
        <span>What changed between</span>
        <input type="datetime-local" step={1} aria-label="From" className="rounded-md border border-zinc-300 px-1 dark:border-zinc-700 dark:bg-zinc-900" value={toLocalInput(range.from)} onChange={(e) => edit("from")(e.target.value)} />
        <span>and</span>
        <input type="datetime-local" step={1} aria-label="To" className="rounded-md border border-zinc-300 px-1 dark:border-zinc-700 dark:bg-zinc-900" value={toLocalInput(range.to)} onChange={(e) => edit("to")(e.target.value)} />
        <button type="button" className="ml-auto text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200" onClick={onClose} aria-label="Close the change list">
          ×
        </button>
      </div>
      <div className="mt-2 max-h-72 overflow-y-auto">
        {changes.error ? (
          <StatusMessage tone="error">{changes.error.message}</StatusMessage>
        ) : !changes.data ? (
          <StatusMessage>Comparing…</StatusMessage>
        ) : changes.data.services.length === 0 ? (
          <StatusMessage>Nothing changed between {describeMoment(range.from, now)} and {describeMoment(range.to, now)}.</StatusMessage>
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {changes.data.services.map((change) => (
              <ChangeItem key={change.serviceId} change={change} />
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
