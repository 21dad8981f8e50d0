import { entryStatus, type CatalogEntry } from "@/server/contracts/catalog";
import { TableHead } from "./table-head";

const statusStyle = {
  passing: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  warning: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  critical: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

/** An external service's registered endpoints and their checks. */
export function EndpointTable({ entries }: { entries: CatalogEntry[] }) {
  if (entries.length === 0) {
    return <p className="px-4 py-3 text-sm text-zinc-500">No endpoints registered. Register some with PUT /v1/agent/service/register.</p>;
  }
  return (
    <table className="w-full text-left text-sm">
      <TableHead labels={["Endpoint", "Address", "Status", "Checks", "Tags"]} />
      <tbody>
        {entries.map((entry) => {
          const status = entryStatus(entry);
          return (
            <tr key={entry.id} data-testid={`endpoint-${entry.id}`} className="border-t border-zinc-100 dark:border-zinc-800/60">
              <td className="px-4 py-1.5 font-mono text-xs">{entry.id}</td>
              <td className="px-4 py-1.5 font-mono text-xs">
                {entry.address}:{entry.port}
              </td>
              <td className="px-4 py-1.5">
                <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${statusStyle[status]}`}>{status}</span>
              </td>
              <td className="px-4 py-1.5 text-xs text-zinc-600 dark:text-zinc-400">
                {entry.checks.length === 0
                  ? "none"
                  : entry.checks.map((check) => (
                      <span key={check.id} className="mr-3" title={check.output}>
                        {check.kind.toUpperCase()} {check.status}
                      </span>
                    ))}
              </td>
              <td className="px-4 py-1.5 text-xs">{entry.tags.join(", ") || "—"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
