"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type KeyboardEvent } from "react";
import { TIMELINE_SPAN_MS } from "@/server/contracts/timeline";
import { useTRPC } from "../trpc";
import { useNow } from "../use-now";
import { ChangesPanel } from "./changes-panel";
import { describeMoment, fromLocalInput, stepMoment, toLocalInput } from "./moment";
import { useTimeTravel } from "./time-travel-context";

const buttonClass = "rounded-md border border-zinc-300 bg-white px-2.5 py-1 text-xs font-medium shadow-sm hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800";

/** Opens the scrubber where it is collapsible (the canvas, whose room it takes). */
export function TimeTravelToggle() {
  const { at, barOpen, setBarOpen } = useTimeTravel();
  return (
    <button type="button" className={buttonClass} aria-expanded={barOpen || at !== undefined} disabled={at !== undefined} onClick={() => setBarOpen(!barOpen)}>
      Time travel
    </button>
  );
}

/**
 * The last 24 hours as a bar: drag (or ← →, Shift for ten seconds) to see the topology as it was,
 * ticks where events happened, a moment typed to the second, what changed since, and Live.
 */
export function TimelineScrubber({ collapsible = false }: { collapsible?: boolean }) {
  const { at, travelTo, backToLive, barOpen } = useTimeTravel();
  const clock = useNow(5_000);
  // Whole seconds: the slider snaps its value to min + a multiple of its step.
  const now = clock === undefined ? undefined : Math.floor(clock / 1000) * 1000;
  const trpc = useTRPC();
  const marks = useQuery({ ...trpc.timeline.marks.queryOptions(), refetchInterval: 60_000 });
  const [comparing, setComparing] = useState(false);
  if (now === undefined || (collapsible && !barOpen && at === undefined)) return null;
  const bounds = { from: now - TIMELINE_SPAN_MS, to: now };
  const shown = at ?? now;
  const busiest = Math.max(1, ...(marks.data?.minutes ?? []).map((m) => m.events));
  const place = (ms: number) => `${((ms - bounds.from) / TIMELINE_SPAN_MS) * 100}%`;

  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    travelTo(stepMoment(shown, event.key === "ArrowLeft" ? -1 : 1, event.shiftKey, bounds));
  }

  return (
    <section aria-label="Time travel" className="mb-3 rounded-lg border border-zinc-200 bg-white px-3 py-2 text-xs dark:border-zinc-800 dark:bg-zinc-950" data-testid="time-travel">
      {at !== undefined && (
        <p role="status" data-testid="time-travel-banner" className="mb-2 flex flex-wrap items-center gap-2 rounded-md bg-violet-600 px-2.5 py-1 text-sm text-white">
          Viewing {describeMoment(at, now)} — read-only, rebuilt from events and metrics.
          <button type="button" onClick={backToLive} className="font-semibold underline underline-offset-2">
            Back to live
          </button>
        </p>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <span className="shrink-0 text-zinc-500">24 h ago</span>
        <div className="min-w-48 flex-1">
          {/* Ticks in a strip of their own above the slider: its filled track would hide them. */}
          <div className="pointer-events-none relative h-2" aria-hidden data-testid="time-travel-ticks">
            {(marks.data?.minutes ?? []).map((m) => (
              <span key={m.at} className="absolute bottom-0 w-px bg-violet-400" style={{ left: place(m.at), height: `${Math.max(25, (m.events / busiest) * 100)}%` }} />
            ))}
          </div>
          <input
            type="range"
            aria-label="Moment to view (← → a minute, Shift for ten seconds)"
            data-testid="time-travel-slider"
            className="block w-full accent-violet-600"
            min={bounds.from}
            max={bounds.to}
            step={1000}
            value={shown}
            onChange={(e) => travelTo(Number(e.target.value))}
            onKeyDown={onKeyDown}
          />
        </div>
        <span className="shrink-0 text-zinc-500">now</span>
        <input
          type="datetime-local"
          step={1}
          aria-label="Moment"
          data-testid="time-travel-moment"
          className="rounded-md border border-zinc-300 bg-white px-1.5 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
          value={toLocalInput(shown)}
          min={toLocalInput(bounds.from)}
          max={toLocalInput(bounds.to)}
          onChange={(e) => {
            const moment = fromLocalInput(e.target.value);
            if (moment !== undefined) travelTo(Math.min(bounds.to, Math.max(bounds.from, moment)));
          }}
        />
        <button type="button" className={buttonClass} onClick={() => setComparing((open) => !open)} aria-expanded={comparing}>
          What changed…
        </button>
        <button type="button" className={`${buttonClass} ${at === undefined ? "" : "border-violet-500 text-violet-700 dark:text-violet-300"}`} onClick={backToLive} disabled={at === undefined} data-testid="time-travel-live">
          {at === undefined ? "● Live" : "Live"}
        </button>
      </div>
      {comparing && <ChangesPanel defaultFrom={at ?? now - 3_600_000} now={now} onClose={() => setComparing(false)} />}
    </section>
  );
}
