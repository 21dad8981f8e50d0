"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Alert } from "@/server/contracts/alerts";
import { useTRPC } from "../trpc";

/** Alerts are evaluated every few seconds on the server; asking as often keeps the title and badges current. */
const REFRESH_MS = 2000;

/** Pending, firing and recently resolved alerts (one query shared by the title, Overview and canvas). */
export function useAlerts(): Alert[] | undefined {
  const trpc = useTRPC();
  return useQuery(trpc.alerts.list.queryOptions(undefined, { refetchInterval: REFRESH_MS })).data;
}

/** What needs someone: firing and not silenced. */
export const needsAttention = (alert: Alert) => alert.state === "firing" && alert.silence === null;

/** Firing alerts (silenced ones too, shown muted) by service id, for the canvas' nodes. */
export function useFiringByService(): Map<string, Alert[]> {
  const alerts = useAlerts();
  return useMemo(() => {
    const byService = new Map<string, Alert[]>();
    for (const alert of alerts ?? []) {
      if (alert.state !== "firing" || !alert.serviceId) continue;
      byService.set(alert.serviceId, [...(byService.get(alert.serviceId) ?? []), alert]);
    }
    return byService;
  }, [alerts]);
}
