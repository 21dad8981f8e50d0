"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect } from "react";
import { buttonClass } from "../form-field";
import { PlanDetails } from "../rollouts/plan-preview";
import { Modal } from "../shell/modal";
import { StatusMessage } from "../status-message";
import { useTRPC } from "../trpc";

/** An edge being drawn (from → to) or removed (its id), with the names to say it in words. */
export type EdgeRequest = { kind: "add"; fromId: string; toId: string; from: string; to: string } | { kind: "remove"; id: string; from: string; to: string };

/**
 * Drawing or removing an edge changes what the caller's instances are given (TO_URL): shows what
 * rolling them would do, then draws or removes it with the rollout now, or later (the caller is
 * marked pending until its next rollout).
 */
export function DependencyDialog({ request, onDone, onError }: { request: EdgeRequest; onDone(): void; onError(message: string): void }) {
  const trpc = useTRPC();
  // A dry run, but a POST (as rollouts.plan): asked once, when the dialog opens for this request.
  const plan = useMutation(trpc.dependencies.plan.mutationOptions());
  const { mutate: askPlan } = plan;
  useEffect(() => askPlan(request.kind === "add" ? { fromId: request.fromId, toId: request.toId } : { id: request.id }), [askPlan, request]);
  const create = useMutation(trpc.dependencies.create.mutationOptions());
  const remove = useMutation(trpc.dependencies.delete.mutationOptions());
  const busy = create.isPending || remove.isPending;
  const verb = request.kind === "add" ? "Add" : "Remove";
  const title = `${verb} dependency ${request.from} → ${request.to}`;

  function act(rollout: boolean) {
    const options = { onSuccess: onDone, onError: (err: { message: string }) => (onError(err.message), onDone()) };
    if (request.kind === "add") create.mutate({ fromId: request.fromId, toId: request.toId, rollout }, options);
    else remove.mutate({ id: request.id, rollout }, options);
  }

  return (
    <Modal label={title} onClose={onDone}>
      <h2 className="mb-1 text-base font-semibold">{title}</h2>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-300">
        {request.kind === "add" ? `${request.from}'s instances are given ${request.to}'s address` : `${request.from}'s instances lose ${request.to}'s address`}: like any
        environment change, that rolls them to a new revision — now, or with {request.from}&apos;s next rollout.
      </p>
      {plan.error ? (
        <StatusMessage tone="error">{plan.error.message}</StatusMessage>
      ) : !plan.data ? (
        <StatusMessage>Working out the plan…</StatusMessage>
      ) : (
        <PlanDetails plan={plan.data} title={plan.data.revision ? `Rolls ${request.from} from revision ${plan.data.revision.from} to ${plan.data.revision.to}` : `${request.from}'s instances already have it`}>
          <button type="button" className={buttonClass.primary} disabled={busy} onClick={() => act(true)}>
            {busy ? "Working…" : `${verb} and roll out now`}
          </button>
          <button type="button" className={buttonClass.secondary} disabled={busy} onClick={() => act(false)} title={`${request.from} is marked pending until its next rollout`}>
            {verb}, roll out later
          </button>
          <button type="button" className={buttonClass.secondary} disabled={busy} onClick={onDone}>
            Cancel
          </button>
        </PlanDetails>
      )}
    </Modal>
  );
}
