"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import type { TimelineSnapshot } from "@/server/contracts/timeline";
import { useTRPC } from "../trpc";

type TimeTravel = {
  /** The moment being viewed (ms); undefined while live. */
  at: number | undefined;
  travelTo(at: number): void;
  backToLive(): void;
  /** Whether the canvas shows the scrubber while live (it takes room from the canvas). */
  barOpen: boolean;
  setBarOpen(open: boolean): void;
};

const TimeTravelContext = createContext<TimeTravel>({ at: undefined, travelTo: () => {}, backToLive: () => {}, barOpen: false, setBarOpen: () => {} });

/** The moment the dashboard shows, shared by the canvas and Overview (moving between them keeps it). */
export function TimeTravelProvider({ children }: { children: ReactNode }) {
  const [at, setAt] = useState<number>();
  const [barOpen, setBarOpen] = useState(false);
  const value = useMemo(() => ({ at, travelTo: (moment: number) => setAt(Math.round(moment / 1000) * 1000), backToLive: () => setAt(undefined), barOpen, setBarOpen }), [at, barOpen]);
  return <TimeTravelContext value={value}>{children}</TimeTravelContext>;
}

export const useTimeTravel = () => useContext(TimeTravelContext);

/** The topology at the moment viewed; the previous moment's stays on screen while the next loads. */
export function usePastSnapshot(): { snapshot: TimelineSnapshot | undefined; error: string | undefined } {
  const { at } = useTimeTravel();
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.timeline.at.queryOptions({ at: at ?? 0 }), enabled: at !== undefined, placeholderData: keepPreviousData, staleTime: Infinity });
  return { snapshot: at === undefined ? undefined : query.data, error: query.error?.message };
}
