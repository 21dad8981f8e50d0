"use client";

import { useMemo, useRef } from "react";
import type { CatalogEntry } from "@/server/contracts/catalog";
import type { Instance } from "@/server/contracts/instance";
import type { Service } from "@/server/contracts/service";
import { summarize, type ServiceSummary } from "./service-summary";

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const same = (a: ServiceSummary, b: ServiceSummary) => a.ready === b.ready && a.wanted === b.wanted && a.health === b.health && a.unit === b.unit;

/**
 * Every service's summary. An unchanged summary keeps its identity, so views keyed on it (200
 * canvas nodes) don't redraw every second when only instances' CPU figures moved.
 */
export function useSummaries(services: Service[] | undefined, instances: Instance[] | undefined, catalog: CatalogEntry[] | undefined): Map<string, ServiceSummary> {
  const previous = useRef(new Map<string, ServiceSummary>());
  return useMemo(() => {
    const byService = groupBy(instances ?? [], (i) => i.serviceId);
    const endpoints = groupBy((catalog ?? []).filter((e) => e.external), (e) => e.serviceId);
    const next = new Map<string, ServiceSummary>();
    for (const service of services ?? []) {
      const fresh = summarize(service, byService.get(service.id) ?? [], endpoints.get(service.id) ?? []);
      const old = previous.current.get(service.id);
      next.set(service.id, old && same(old, fresh) ? old : fresh);
    }
    previous.current = next;
    return next;
  }, [services, instances, catalog]);
}
