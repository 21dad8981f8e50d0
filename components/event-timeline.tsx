"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { eventKindGroups, matchesActor, matchesKind, matchesText, type GantryEvent } from "@/server/contracts/event";
import type { Service } from "@/server/contracts/service";
import { EventList } from "./event-list";
import { buttonClass, inputBase } from "./form-field";
import { useLiveEvents } from "./realtime/hooks";
import { StatusMessage } from "./status-message";
import { useTRPC } from "./trpc";

const PAGE = 100;
type Older = { events: GantryEvent[]; exhausted: boolean; loading: boolean; error?: string };
const fresh: Older = { events: [], exhausted: false, loading: false };

/**
 * Events newest first, live, filterable by service and kind; "Load older" pages back through
 * the log with the same filters. With `serviceId` it shows only that service's events.
 */
export function EventTimeline({ serviceId: fixedService, services = [], limit }: { serviceId?: string; services?: Service[]; limit?: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const live = useLiveEvents();
  const [chosenService, setChosenService] = useState("");
  const [kind, setKind] = useState("");
  const [actor, setActor] = useState("");
  const [text, setText] = useState("");
  const [older, setOlder] = useState<Older>(fresh);
  const serviceId = fixedService ?? chosenService;

  const wanted = (e: GantryEvent) => (!serviceId || e.serviceId === serviceId) && matchesKind(e.kind, kind || undefined) && matchesActor(e.actor, actor.trim() || undefined) && matchesText(e, text.trim() || undefined);
  const actorsSeen = [...new Set([...(live ?? []), ...older.events].map((e) => e.actor))].sort();
  const liveShown = (live ?? []).filter(wanted);
  const all = [...liveShown, ...older.events.filter((e) => !liveShown.some((l) => l.id === e.id))];
  const shown = limit ? all.slice(0, limit) : all;

  /** Bumped whenever the filters change: a page asked for under older filters is dropped when it lands. */
  const generation = useRef(0);
  const filters = JSON.stringify([serviceId, kind, actor.trim(), text.trim()]);

  async function loadOlder() {
    const mine = generation.current;
    setOlder((o) => ({ ...o, loading: true, error: undefined }));
    try {
      const before = [...(live ?? []), ...older.events].map((e) => BigInt(e.id)).reduce((a, b) => (b < a ? b : a), BigInt(Number.MAX_SAFE_INTEGER));
      const page = await queryClient.fetchQuery(
        trpc.events.list.queryOptions({ before: before.toString(), limit: PAGE, serviceId: serviceId || undefined, kind: kind || undefined, actor: actor.trim() || undefined, text: text.trim() || undefined }),
      );
      if (mine === generation.current) setOlder((o) => ({ events: [...o.events, ...page], exhausted: page.length < PAGE, loading: false }));
    } catch (err) {
      if (mine === generation.current) setOlder((o) => ({ ...o, loading: false, error: (err as Error).message }));
    }
  }

  // A search or an actor looks past the live window at once (the server searches the whole log).
  useEffect(() => {
    generation.current++;
    if (!text.trim() && !actor.trim()) return;
    const timer = setTimeout(() => void loadOlder(), 300);
    return () => clearTimeout(timer);
    // Keyed on the filters alone: loadOlder reads them from this render.
  }, [filters]);

  return (
    <div className="space-y-3">
      {/* On a phone: search and actor a row each, the two selects sharing one. */}
      <div className="flex flex-wrap gap-2">
        <input type="search" aria-label="Search events" placeholder="Search" className={`${inputBase} basis-full sm:basis-auto sm:w-56`} value={text} onChange={(e) => (setText(e.target.value), setOlder(fresh))} />
        {!fixedService && (
          <select aria-label="Filter by service" className={`${inputBase} min-w-0 flex-1 sm:w-auto sm:flex-none`} value={chosenService} onChange={(e) => (setChosenService(e.target.value), setOlder(fresh))}>
            <option value="">All services</option>
            {services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
        <select aria-label="Filter by kind" className={`${inputBase} min-w-0 flex-1 sm:w-auto sm:flex-none`} value={kind} onChange={(e) => (setKind(e.target.value), setOlder(fresh))}>
          <option value="">All kinds</option>
          {eventKindGroups.map((group) => (
            <option key={group} value={group}>
              {group} events
            </option>
          ))}
        </select>
        <input
          aria-label="Filter by actor"
          placeholder="Who (e.g. user:ana)"
          list="event-actors"
          className={`${inputBase} basis-full sm:basis-auto sm:w-52`}
          value={actor}
          onChange={(e) => (setActor(e.target.value), setOlder(fresh))}
        />
        <datalist id="event-actors">
          {actorsSeen.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      {!live ? (
        <StatusMessage>Loading events…</StatusMessage>
      ) : shown.length === 0 && older.exhausted ? (
        <StatusMessage>No events match.</StatusMessage>
      ) : (
        <>
          {shown.length > 0 ? <EventList events={shown} /> : <StatusMessage>No recent events match; older ones may.</StatusMessage>}
          {older.error && <StatusMessage tone="error">Could not load older events: {older.error}</StatusMessage>}
          {limit ? (
            <Link href="/events" className="text-sm text-sky-600 hover:underline">
              All events →
            </Link>
          ) : !older.exhausted && (
            <button type="button" className={buttonClass.secondary} disabled={older.loading} onClick={loadOlder}>
              {older.loading ? "Loading…" : "Load older"}
            </button>
          )}
        </>
      )}
    </div>
  );
}
