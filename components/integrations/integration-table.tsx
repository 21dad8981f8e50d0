"use client";

import { useQuery } from "@tanstack/react-query";
import type { IntegrationStatus } from "@/server/contracts/integrations";
import { RelativeTime } from "../relative-time";
import { StatusMessage } from "../status-message";
import { cellClass, rowClass, TableCard } from "../table-card";
import { useTRPC } from "../trpc";

const names: Record<IntegrationStatus["kind"], string> = { etcd: "etcd mirror", zookeeper: "ZooKeeper mirror", dns: "DNS interface" };
const stateStyle: Record<IntegrationStatus["state"], string> = {
  connected: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  connecting: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  failing: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};
const REFRESH_MS = 2000;

/** Each discovery integration Gantry runs, refreshed every 2 s: where it points, how it is doing, what went wrong last. */
export function IntegrationTable() {
  const trpc = useTRPC();
  const { data, error } = useQuery({ ...trpc.integrations.list.queryOptions(), refetchInterval: REFRESH_MS });
  if (error) return <StatusMessage tone="error">Could not load integrations: {error.message}</StatusMessage>;
  if (!data) return <StatusMessage>Loading integrations…</StatusMessage>;
  if (data.length === 0)
    return (
      <StatusMessage>
        No mirror or DNS interface is configured. Set <code>GANTRY_ETCD_ENDPOINTS</code>, <code>GANTRY_ZOOKEEPER_CONNECT</code> or <code>GANTRY_DNS_PORT</code> and restart Gantry.
      </StatusMessage>
    );
  return (
    <TableCard label="Discovery integrations" headers={["Integration", "Target", "State", "Holds", "Last activity", "Last error"]}>
      {data.map((integration) => (
        <tr key={integration.kind} data-testid={`integration-${integration.kind}`} className={rowClass}>
          <td className={`${cellClass} font-medium`}>{names[integration.kind]}</td>
          <td className={`${cellClass} font-mono text-xs`}>{integration.target}</td>
          <td className={cellClass}>
            <span data-testid="integration-state" className={`rounded px-1.5 py-0.5 text-xs font-medium ${stateStyle[integration.state]}`}>
              {integration.state}
            </span>
          </td>
          <td className={`${cellClass} text-xs`}>{integration.detail}</td>
          <td className={`${cellClass} text-xs text-zinc-500`}>{integration.lastActivityAt ? <RelativeTime iso={integration.lastActivityAt} /> : "never"}</td>
          <td className={`${cellClass} max-w-sm text-xs`} data-testid="integration-error">
            {integration.lastError ? (
              <>
                <span className="text-red-700 dark:text-red-400">{integration.lastError.message}</span>{" "}
                <span className="text-zinc-500">
                  (<RelativeTime iso={integration.lastError.at} />)
                </span>
              </>
            ) : (
              <span className="text-zinc-500">none</span>
            )}
          </td>
        </tr>
      ))}
    </TableCard>
  );
}
