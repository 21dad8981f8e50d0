"use client";

import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { autoscaleMetrics, type AutoscaleMetric, type AutoscaleSettings } from "@/server/contracts/autoscale";
import type { Service } from "@/server/contracts/service";
import { useTRPC } from "../trpc";
import { useWidth } from "../use-width";
import { AutoscaleChart } from "./autoscale-chart";

const REFRESH_MS = 2000;
const metricUnits: Record<AutoscaleMetric, string> = { requestsPerSecond: "req/s per instance", p95LatencyMs: "p95 ms", cpuPercent: "CPU % per instance" };

const targetsOf = (settings: AutoscaleSettings) => autoscaleMetrics.flatMap((metric) => (settings.targets[metric] === null ? [] : [{ metric, target: settings.targets[metric]! }]));

/** The Autoscaling panel: its settings, the last decision in words, and a chart per target of wanted vs ready vs the metric. */
export function AutoscalingPanel({ service }: { service: Service }) {
  const trpc = useTRPC();
  const box = useRef<HTMLElement>(null);
  const width = useWidth(box);
  const { data: status } = useQuery({ ...trpc.autoscaling.status.queryOptions({ serviceId: service.id }), refetchInterval: REFRESH_MS });
  const settings = service.autoscale;
  if (!settings) return null;
  const { scaleUp, scaleDown } = settings.behavior;
  return (
    <section ref={box} aria-label="Autoscaling" className="mb-3 rounded-md border border-zinc-200 p-2 text-xs dark:border-zinc-800">
      <h3 className="mb-1 font-medium">Autoscaling</h3>
      <p className="text-zinc-500">
        {settings.minReplicas}–{settings.maxReplicas} replicas · target {targetsOf(settings).map(({ metric, target }) => `${target} ${metricUnits[metric]}`).join(", ")} · windows: up {scaleUp.stabilizationWindowSeconds} s, down{" "}
        {scaleDown.stabilizationWindowSeconds} s
      </p>
      <p className="mt-1 tabular-nums" data-testid="autoscale-decision">
        {status?.lastDecision ? `Last sync: ${status.lastDecision}` : "No sync yet"}
      </p>
      {status &&
        status.samples.length > 1 &&
        width > 0 &&
        targetsOf(settings).map(({ metric, target }) => (
          <figure key={metric} className="mt-2" aria-label={`Wanted vs ready vs ${metricUnits[metric]}`}>
            <figcaption className="mb-1 text-zinc-500">
              Wanted <span className="text-sky-500">━</span> · ready <span className="text-emerald-500">━</span> · {metricUnits[metric]} <span className="text-amber-500">━</span> vs target
            </figcaption>
            <div className="text-zinc-500">
              <AutoscaleChart samples={status.samples} metric={metric} target={target} unit={metricUnits[metric]} width={width} />
            </div>
          </figure>
        ))}
    </section>
  );
}
