"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { GantryEvent } from "@/server/contracts/event";
import { EventList } from "@/components/event-list";
import { buttonClass, inputClass } from "@/components/form-field";
import { PageHeader } from "@/components/page-header";
import { useLiveEvents, useTopology } from "@/components/realtime/hooks";
import { StatusMessage } from "@/components/status-message";
import { useTRPC } from "@/components/trpc";

const PAGE = 100;

export default function EventsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const live = useLiveEvents();
  const topology = useTopology();
  const [serviceId, setServiceId] = useState("");
  const [older, setOlder] = useState<{ events: GantryEvent[]; exhausted: boolean; loading: boolean; error?: string }>({
    events: [],
    exhausted: false,
    loading: false,
  });

  const shown = [...(live ?? []), ...older.events].filter((e) => !serviceId || e.serviceId === serviceId);

  async function loadOlder() {
    const before = shown.at(-1)?.id;
    setOlder((o) => ({ ...o, loading: true, error: undefined }));
    try {
      const page = await queryClient.fetchQuery(trpc.events.list.queryOptions({ before, limit: PAGE, serviceId: serviceId || undefined }));
      setOlder((o) => ({ events: [...o.events, ...page], exhausted: page.length < PAGE, loading: false }));
    } catch (err) {
      setOlder((o) => ({ ...o, loading: false, error: (err as Error).message }));
    }
  }

  return (
    <>
      <PageHeader
        title="Events"
        description="Every change and engine transition, newest first."
        actions={
          <select
            aria-label="Filter by service"
            className={inputClass}
            value={serviceId}
            onChange={(e) => {
              setServiceId(e.target.value);
              setOlder({ events: [], exhausted: false, loading: false });
            }}
          >
            <option value="">All services</option>
            {topology?.services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        }
      />
      {!live ? (
        <StatusMessage>Loading events…</StatusMessage>
      ) : shown.length === 0 ? (
        <StatusMessage>No events yet.</StatusMessage>
      ) : (
        <>
          <EventList events={shown} />
          {older.error && <StatusMessage tone="error">Could not load older events: {older.error}</StatusMessage>}
          {!older.exhausted && (
            <button type="button" className={`${buttonClass.secondary} mt-4`} disabled={older.loading} onClick={loadOlder}>
              {older.loading ? "Loading…" : "Load older"}
            </button>
          )}
        </>
      )}
    </>
  );
}
