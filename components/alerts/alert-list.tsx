"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { Alert } from "@/server/contracts/alerts";
import { usePermit } from "../access/access-context";
import { RelativeTime } from "../relative-time";
import { rowActionClass } from "../table-card";
import { useTRPC } from "../trpc";
import { SilenceDialog } from "./silence-dialog";

const stateStyle: Record<Alert["state"], string> = {
  firing: "border-red-300 bg-red-50 dark:border-red-900 dark:bg-red-950/40",
  pending: "border-amber-300 bg-amber-50 dark:border-amber-900 dark:bg-amber-950/40",
  resolved: "border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900",
};

function AlertRow({ alert, onSilence }: { alert: Alert; onSilence(alert: Alert): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const expire = useMutation(trpc.alerts.expireSilence.mutationOptions());
  const permit = usePermit("operator");
  const since = alert.state === "firing" ? alert.firedAt : alert.state === "resolved" ? alert.resolvedAt : alert.activeAt;
  const unsilence = async () => {
    await expire.mutateAsync({ id: alert.silence!.id });
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.list.queryKey() });
  };
  return (
    <li data-testid="alert" data-state={alert.state} className={`flex flex-wrap items-start gap-x-3 gap-y-1 rounded-md border px-3 py-2 text-sm ${stateStyle[alert.state]} ${alert.silence ? "opacity-70" : ""}`}>
      <span className={`mt-0.5 rounded-full px-1.5 text-xs font-medium uppercase ${alert.severity === "critical" ? "bg-red-600 text-white" : "bg-amber-500 text-white"}`}>{alert.severity}</span>
      <div className="min-w-0 flex-1">
        <p>
          <span className="font-semibold">{alert.ruleName}</span>
          {alert.serviceId && (
            <>
              {" on "}
              <Link className="underline decoration-dotted" href={`/topology?service=${alert.serviceId}`}>
                {alert.serviceName}
              </Link>
            </>
          )}
          <span className="ml-2 text-xs text-zinc-500">
            {alert.state} {since && <RelativeTime iso={since} />}
          </span>
        </p>
        <p className="text-zinc-600 dark:text-zinc-300">{alert.summary}</p>
        {alert.silence && (
          <p className="text-xs text-zinc-500" data-testid="alert-silence">
            silenced until {new Date(alert.silence.endsAt).toLocaleString()}: {alert.silence.reason}
          </p>
        )}
      </div>
      {alert.state !== "resolved" &&
        (alert.silence ? (
          <button type="button" className={rowActionClass} disabled={!permit.allowed || expire.isPending} title={permit.title} onClick={unsilence}>
            Unsilence
          </button>
        ) : (
          <button type="button" className={rowActionClass} disabled={!permit.allowed} title={permit.title} onClick={() => onSilence(alert)}>
            Silence…
          </button>
        ))}
    </li>
  );
}

/** Alerts, firing first, each with Silence (operators) or the silence muting it. */
export function AlertList({ alerts, empty }: { alerts: Alert[]; empty: string }) {
  const [silencing, setSilencing] = useState<Alert>();
  if (alerts.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <>
      <ul className="space-y-2" aria-label="Alerts">
        {alerts.map((alert) => (
          <AlertRow key={alert.id} alert={alert} onSilence={setSilencing} />
        ))}
      </ul>
      {silencing && <SilenceDialog alert={silencing} onClose={() => setSilencing(undefined)} />}
    </>
  );
}
