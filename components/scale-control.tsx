"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { Service } from "@/server/contracts/service";
import { usePermit } from "./access/access-context";
import { useShortcut } from "./shell/shortcuts";
import { useTRPC } from "./trpc";

// Finger-sized on a phone.
const stepButton =
  "h-10 w-10 sm:h-7 sm:w-7 rounded-md border border-zinc-300 text-base leading-none hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800";

/**
 * − / + and a replicas field. The new count shows at once; if the server refuses it, the last
 * confirmed count comes back with the reason. Requests go one at a time, so quick clicks can't
 * overtake each other: while one is in flight, only the latest wanted count waits its turn.
 */
export function ScaleControl({ service, shortcuts = false }: { service: Service; shortcuts?: boolean }) {
  const trpc = useTRPC();
  const scale = useMutation(trpc.services.scale.mutationOptions());
  const [wanted, setWanted] = useState(service.replicas);
  const [draft, setDraft] = useState(String(service.replicas));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const next = useRef<number | undefined>(undefined);
  /** Version our last request produced; the live view may lag behind it for a moment. */
  const confirmed = useRef(0);

  // Follow the count from the live view (any tab may change it) once it has caught up with ours.
  useEffect(() => {
    if (busy || service.version < confirmed.current) return;
    setWanted(service.replicas);
    setDraft(String(service.replicas));
  }, [service.replicas, service.version, busy]);

  function send(replicas: number) {
    setBusy(true);
    scale.mutate(
      { id: service.id, replicas },
      {
        onSuccess: (updated) => {
          confirmed.current = updated.version;
        },
        onError: (err) => {
          next.current = undefined;
          setError(err.message);
          setWanted(service.replicas);
          setDraft(String(service.replicas));
        },
        onSettled: () => {
          const queued = next.current;
          next.current = undefined;
          if (queued !== undefined && queued !== replicas) send(queued);
          else setBusy(false);
        },
      },
    );
  }

  function request(replicas: number) {
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 100) {
      setError("replicas must be a whole number from 0 to 100");
      setDraft(String(wanted));
      return;
    }
    if (replicas === wanted) return;
    setError(undefined);
    setWanted(replicas);
    setDraft(String(replicas));
    if (busy) next.current = replicas;
    else send(replicas);
  }

  const operate = usePermit("operator", service.labels);
  const disabled = service.deleting || !operate.allowed;
  useShortcut("+", `Scale ${service.name} up`, () => wanted < 100 && request(wanted + 1), shortcuts && !disabled);
  useShortcut("-", `Scale ${service.name} down`, () => wanted > 0 && request(wanted - 1), shortcuts && !disabled);
  return (
    <div className="flex flex-wrap items-center gap-1.5" title={operate.title}>
      <button type="button" className={stepButton} aria-label={`Scale ${service.name} down`} disabled={disabled || wanted <= 0} onClick={() => request(wanted - 1)}>
        −
      </button>
      <input
        aria-label={`Replicas of ${service.name}`}
        className="h-10 w-14 sm:h-7 sm:w-12 rounded-md border border-zinc-300 bg-white text-center text-sm tabular-nums dark:border-zinc-700 dark:bg-zinc-900"
        inputMode="numeric"
        value={draft}
        disabled={disabled}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => request(Number(draft))}
        onKeyDown={(e) => e.key === "Enter" && request(Number(draft))}
      />
      <button type="button" className={stepButton} aria-label={`Scale ${service.name} up`} disabled={disabled || wanted >= 100} onClick={() => request(wanted + 1)}>
        +
      </button>
      {error && (
        <span role="alert" className="ml-2 text-xs text-red-600 dark:text-red-400">
          {error}
        </span>
      )}
    </div>
  );
}
