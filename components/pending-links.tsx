"use client";

import { useMutation } from "@tanstack/react-query";
import type { Service } from "@/server/contracts/service";
import { linksOf, pendingLinks } from "@/server/contracts/traffic";
import { usePermit } from "./access/access-context";
import { useTopology } from "./realtime/hooks";
import { useTRPC } from "./trpc";

/** Edges drawn or removed "later": what the service's instances don't have yet, and the rollout that gives it. */
export function PendingLinks({ service }: { service: Service }) {
  const topology = useTopology();
  const trpc = useTRPC();
  const apply = useMutation(trpc.services.applyLinks.mutationOptions());
  const edit = usePermit("editor", service.labels);
  if (!topology || service.external || service.deleting) return null;
  const callees = new Map(topology.services.map((s) => [s.id, { name: s.name, protocol: s.traffic.protocol }]));
  // Compared by name and listener port only, so the host given here doesn't matter.
  const { added, removed } = pendingLinks(service.template.links, linksOf(service.id, topology.dependencies, (id) => callees.get(id), "gantry"));
  if (added.length + removed.length === 0) return null;
  const changes = [...added.map((name) => `+${name}`), ...removed.map((name) => `−${name}`)].join(", ");
  return (
    <div role="status" data-testid="pending-links" className="mt-2 flex flex-wrap items-center gap-2 rounded-md bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
      <span>
        Dependencies changed ({changes}); revision {service.revision}&apos;s instances don&apos;t have {added.length + removed.length === 1 ? "it" : "them"} yet.
      </span>
      <button
        type="button"
        className="rounded border border-amber-400 px-2 py-0.5 font-medium hover:bg-amber-100 disabled:opacity-50 dark:hover:bg-amber-900"
        disabled={apply.isPending || !edit.allowed}
        title={edit.title}
        onClick={() => apply.mutate({ id: service.id })}
      >
        Roll out
      </button>
      {apply.error && <span role="alert">{apply.error.message}</span>}
    </div>
  );
}
