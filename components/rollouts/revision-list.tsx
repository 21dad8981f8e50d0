"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Rollout } from "@/server/contracts/rollout";
import type { Service } from "@/server/contracts/service";
import { RelativeTime } from "../relative-time";
import { ConfirmDialog } from "../shell/confirm-dialog";
import { StatusMessage } from "../status-message";
import { usePermit } from "../access/access-context";
import { useTRPC } from "../trpc";
import { describeRollout } from "./rollout-math";
import { TemplateDiff } from "./template-diff";

const small = "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";

/** What changes from the current revision to `revision`. */
function DiffToCurrent({ service, revision }: { service: Service; revision: number }) {
  const trpc = useTRPC();
  const diff = useQuery(trpc.rollouts.diff.queryOptions({ serviceId: service.id, from: service.revision, to: revision }));
  if (diff.error) return <p className="text-xs text-red-600">{diff.error.message}</p>;
  if (!diff.data) return <p className="text-xs text-zinc-500">Comparing…</p>;
  return <TemplateDiff changes={diff.data} label={`Revision ${service.revision} → ${revision}`} />;
}

/** A service's revisions, newest first, with a diff to the current one and a rollback to any; then its rollouts. */
export function RevisionList({ service, latest }: { service: Service; latest: Rollout | undefined }) {
  const trpc = useTRPC();
  const revisions = useQuery(trpc.rollouts.revisions.queryOptions({ serviceId: service.id }));
  const history = useQuery(trpc.rollouts.list.queryOptions({ serviceId: service.id }));
  const rollback = useMutation(trpc.rollouts.rollback.mutationOptions());
  const [open, setOpen] = useState<number>();
  const operate = usePermit("operator", service.labels);
  const [confirming, setConfirming] = useState<number>();
  const { refetch: refetchRevisions } = revisions;
  const { refetch: refetchHistory } = history;

  // A new revision or any rollout change (live) makes both lists stale.
  useEffect(() => void refetchRevisions(), [service.revision, refetchRevisions]);
  useEffect(() => void refetchHistory(), [latest?.id, latest?.status, latest?.updated, refetchHistory]);

  if (revisions.error) return <StatusMessage tone="error">Could not load revisions: {revisions.error.message}</StatusMessage>;
  if (!revisions.data) return <StatusMessage>Loading revisions…</StatusMessage>;
  return (
    <div className="space-y-4 p-3">
      <section aria-label="Revisions">
        <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-zinc-500">Revisions</h3>
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {revisions.data.map((revision) => (
            <li key={revision.number} className="py-2" data-testid={`revision-${revision.number}`}>
              <div className="flex items-center gap-2 text-sm">
                <span className="font-medium tabular-nums">rev {revision.number}</span>
                {revision.current && <span className="rounded-full bg-sky-100 px-2 text-xs text-sky-800 dark:bg-sky-950 dark:text-sky-300">current</span>}
                <span className="text-xs text-zinc-500">
                  <RelativeTime iso={revision.createdAt} />
                </span>
                <span className="ml-auto flex gap-1">
                  {!revision.current && (
                    <>
                      <button type="button" className={small} aria-expanded={open === revision.number} onClick={() => setOpen(open === revision.number ? undefined : revision.number)}>
                        Diff
                      </button>
                      <button type="button" className={small} disabled={!operate.allowed} title={operate.title} onClick={() => setConfirming(revision.number)}>
                        Roll back
                      </button>
                    </>
                  )}
                </span>
              </div>
              <p className="truncate font-mono text-xs text-zinc-500" title={revision.command}>
                {revision.command}
              </p>
              {open === revision.number && (
                <div className="mt-2">
                  <DiffToCurrent service={service} revision={revision.number} />
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Rollouts">
        <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-zinc-500">Rollouts</h3>
        {history.data?.length === 0 && <p className="text-xs text-zinc-500">None yet: a change to the instance template starts one.</p>}
        <ul className="space-y-1 text-xs">
          {history.data?.map((rollout) => (
            <li key={rollout.id} className="flex gap-2">
              <span className="shrink-0 text-zinc-500">
                <RelativeTime iso={rollout.startedAt} />
              </span>
              <span>{describeRollout(rollout)}</span>
            </li>
          ))}
        </ul>
      </section>
      {confirming !== undefined && (
        <ConfirmDialog
          title={`Roll ${service.name} back to revision ${confirming}?`}
          confirmLabel={`Roll back to revision ${confirming}`}
          onConfirm={() => rollback.mutateAsync({ serviceId: service.id, revision: confirming })}
          onClose={() => setConfirming(undefined)}
        >
          <p className="mb-2">Its instances are replaced one step at a time, as the rollout strategy says. What changes:</p>
          <DiffToCurrent service={service} revision={confirming} />
        </ConfirmDialog>
      )}
    </div>
  );
}
