"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { Service } from "@/server/contracts/service";
import { usePermit } from "./access/access-context";
import { buttonClass } from "./form-field";
import { useTRPC } from "./trpc";

/** Two-step delete: a click asks, a second click on the named button confirms. */
export function DeleteServiceButton({ service }: { service: Service }) {
  const trpc = useTRPC();
  const remove = useMutation(trpc.services.delete.mutationOptions());
  const [confirming, setConfirming] = useState(false);
  const edit = usePermit("editor", service.labels);
  if (service.deleting) return <span className="text-xs text-zinc-500">Deleting…</span>;
  if (!confirming) {
    return (
      <button type="button" className="text-xs text-zinc-500 hover:text-red-600 disabled:opacity-40 disabled:hover:text-zinc-500" disabled={!edit.allowed} title={edit.title} onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  }
  return (
    <span className="inline-flex items-center gap-2">
      {remove.error && <span className="text-xs text-red-600">{remove.error.message}</span>}
      <button type="button" className={buttonClass.danger} disabled={remove.isPending} onClick={() => remove.mutate({ id: service.id })}>
        Delete {service.name}
      </button>
      <button type="button" className="text-xs text-zinc-500" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}
