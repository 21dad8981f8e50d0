"use client";

import { AlertList } from "@/components/alerts/alert-list";
import { useAlerts } from "@/components/alerts/use-alerts";
import { EventTimeline } from "@/components/event-timeline";
import { ServiceTile } from "@/components/overview/service-tile";
import { PageHeader } from "@/components/page-header";
import { LiveMetricsProvider } from "@/components/realtime/live-metrics";
import { useCatalog, useInstances, useTopology } from "@/components/realtime/hooks";
import { healthColors, healthRank } from "@/components/service-summary";
import { StatusMessage } from "@/components/status-message";
import { PastTiles } from "@/components/time-travel/past-tiles";
import { TimelineScrubber } from "@/components/time-travel/scrubber";
import { usePastSnapshot, useTimeTravel } from "@/components/time-travel/time-travel-context";
import { useSummaries } from "@/components/use-summaries";

/** On-call's page: alerts that fire, every service's state at a glance (the worst first), and what just happened. */
export default function OverviewPage() {
  const topology = useTopology();
  const instances = useInstances();
  const catalog = useCatalog();
  const summaries = useSummaries(topology?.services, instances, catalog);
  const services = (topology?.services ?? [])
    .filter((s) => !s.deleting)
    .sort((a, b) => healthRank[summaries.get(a.id)!.health] - healthRank[summaries.get(b.id)!.health] || a.name.localeCompare(b.name));
  const alerts = (useAlerts() ?? []).filter((a) => a.state !== "resolved");
  const { at } = useTimeTravel();
  const past = usePastSnapshot();
  // While viewing the past, the counts are the past's too.
  const count = (health: string) =>
    at !== undefined ? (past.snapshot?.services ?? []).filter((s) => s.health === health).length : services.filter((s) => summaries.get(s.id)!.health === health).length;

  return (
    <LiveMetricsProvider>
      <PageHeader
        title="Overview"
        description="Every service, the ones that need attention first. Click one to open it on the canvas."
        actions={
          <div className="flex flex-wrap gap-x-3 gap-y-1 text-sm" data-testid="health-counts">
            {(["down", "degraded", "healthy", "idle"] as const).map((h) => (
              <span key={h} className="flex items-center gap-1.5">
                <span className={`h-2.5 w-2.5 rounded-full ${healthColors[h].dot}`} aria-hidden />
                {count(h)} {h}
              </span>
            ))}
          </div>
        }
      />
      <section aria-label="Active alerts" className="mb-6" data-testid="overview-alerts">
        <AlertList alerts={alerts} empty="No alerts firing." />
      </section>
      <TimelineScrubber />
      {at !== undefined ? (
        past.error ? (
          <StatusMessage tone="error">{past.error}</StatusMessage>
        ) : past.snapshot ? (
          <PastTiles snapshot={past.snapshot} />
        ) : (
          <StatusMessage>Rebuilding the services as they were…</StatusMessage>
        )
      ) : !topology || !instances ? (
        <StatusMessage>Loading services…</StatusMessage>
      ) : services.length === 0 ? (
        <StatusMessage>No services yet. Create one on the Topology page.</StatusMessage>
      ) : (
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-[repeat(auto-fill,minmax(15rem,1fr))]" data-testid="service-tiles">
          {services.map((service) => (
            <ServiceTile key={service.id} service={service} summary={summaries.get(service.id)!} />
          ))}
        </div>
      )}
      <h2 className="mb-3 mt-8 text-lg font-semibold">Recent events</h2>
      <EventTimeline services={topology?.services} limit={15} />
    </LiveMetricsProvider>
  );
}
