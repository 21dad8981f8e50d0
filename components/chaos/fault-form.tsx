"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { injectInput, type FaultTarget } from "@/server/contracts/chaos";
import type { Labels } from "@/server/contracts/access";
import { usePermit } from "../access/access-context";
import { buttonClass, FormField, inputClass } from "../form-field";
import { useTRPC } from "../trpc";

type Kind = "error" | "latency" | "abort";
/** Where a fault can go: the service's own listener, or one of the edges that call it. */
export type FaultPlace = { key: string; label: string; target: FaultTarget };

/**
 * Chaos for operators: a share of a listener's requests answered with an error, delayed, or
 * reset, for a bounded time (the data plane ends it by itself).
 */
export function FaultForm({ serviceName, places, labels }: { serviceName: string; places: FaultPlace[]; labels: Labels }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inject = useMutation(trpc.chaos.inject.mutationOptions());
  const operate = usePermit("operator", labels);
  const [place, setPlace] = useState(places[0]!.key);
  const [kind, setKind] = useState<Kind>("error");
  const [percent, setPercent] = useState("50");
  const [status, setStatus] = useState("503");
  const [ms, setMs] = useState("200");
  const [seconds, setSeconds] = useState("30");
  const [error, setError] = useState<string>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const target = places.find((p) => p.key === place)?.target;
    const fault = kind === "error" ? { kind, status: Number(status), percent: Number(percent) } : kind === "latency" ? { kind, ms: Number(ms), percent: Number(percent) } : { kind, percent: Number(percent) };
    const parsed = injectInput.safeParse({ target, fault, durationSeconds: Number(seconds) });
    if (!parsed.success) return setError(parsed.error.issues[0]!.message);
    setError(undefined);
    try {
      await inject.mutateAsync(parsed.data);
      await queryClient.invalidateQueries({ queryKey: trpc.chaos.list.queryKey() });
    } catch (err) {
      setError((err as Error).message);
    }
  }

  const id = (field: string) => `fault-${serviceName}-${field}`;
  return (
    <details className="border-t border-zinc-100 px-3 py-2 dark:border-zinc-800">
      <summary className="cursor-pointer text-sm font-medium">Inject a fault</summary>
      <form aria-label={`Inject a fault into ${serviceName}`} onSubmit={submit} className="mt-2 grid grid-cols-2 gap-2">
        <FormField id={id("place")} label="Into">
          <select id={id("place")} value={place} onChange={(e) => setPlace(e.target.value)} className={inputClass}>
            {places.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
          </select>
        </FormField>
        <FormField id={id("kind")} label="Fault">
          <select id={id("kind")} value={kind} onChange={(e) => setKind(e.target.value as Kind)} className={inputClass}>
            <option value="error">Errors</option>
            <option value="latency">Added latency</option>
            <option value="abort">Connection reset</option>
          </select>
        </FormField>
        <FormField id={id("percent")} label="Share of requests (%)">
          <input id={id("percent")} value={percent} onChange={(e) => setPercent(e.target.value)} className={inputClass} inputMode="numeric" />
        </FormField>
        {kind === "error" && (
          <FormField id={id("status")} label="Status">
            <input id={id("status")} value={status} onChange={(e) => setStatus(e.target.value)} className={inputClass} inputMode="numeric" />
          </FormField>
        )}
        {kind === "latency" && (
          <FormField id={id("ms")} label="Delay (ms)">
            <input id={id("ms")} value={ms} onChange={(e) => setMs(e.target.value)} className={inputClass} inputMode="numeric" />
          </FormField>
        )}
        <FormField id={id("seconds")} label="For (seconds)">
          <input id={id("seconds")} value={seconds} onChange={(e) => setSeconds(e.target.value)} className={inputClass} inputMode="numeric" />
        </FormField>
        {error && (
          <p role="alert" className="col-span-2 text-xs text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <div className="col-span-2">
          <button type="submit" className={buttonClass.primary} disabled={!operate.allowed || inject.isPending} title={operate.title}>
            Inject
          </button>
        </div>
      </form>
    </details>
  );
}
