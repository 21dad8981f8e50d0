"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { silenceInput, type Alert } from "@/server/contracts/alerts";
import { FormCard } from "../form-card";
import { FormField, inputClass } from "../form-field";
import { Modal } from "../shell/modal";
import { useTRPC } from "../trpc";
import { useCheckedForm } from "../use-checked-form";

const durations = [
  { minutes: 30, label: "30 minutes" },
  { minutes: 60, label: "1 hour" },
  { minutes: 240, label: "4 hours" },
  { minutes: 1440, label: "1 day" },
];

/** Mutes an alert's rule on its service for a while, saying why (both are shown to everyone). */
export function SilenceDialog({ alert, onClose }: { alert: Alert; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const silence = useMutation(trpc.alerts.silence.mutationOptions());
  const [minutes, setMinutes] = useState(60);
  const [reason, setReason] = useState("");
  const { errors, fid, submit, inputProps } = useCheckedForm(["minutes", "reason", "ruleName"]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const raw = { ruleName: alert.ruleName, serviceName: alert.serviceName ?? undefined, minutes, reason };
    if (!(await submit(silenceInput, raw, (input) => silence.mutateAsync(input)))) return;
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.silences.queryKey() });
    onClose();
  }

  return (
    <Modal label="Silence alert" onClose={onClose}>
      <FormCard label={`Silence ${alert.ruleName}${alert.serviceName ? ` on ${alert.serviceName}` : ""}`} submitLabel="Silence" pendingLabel="Silencing…" pending={silence.isPending} error={errors.form ?? errors.ruleName} onSubmit={onSubmit} onCancel={onClose}>
        <div className="grid gap-4">
          <FormField id={fid("minutes")} label="For" error={errors.minutes}>
            <select {...inputProps("minutes")} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} className={inputClass}>
              {durations.map((d) => (
                <option key={d.minutes} value={d.minutes}>
                  {d.label}
                </option>
              ))}
            </select>
          </FormField>
          <FormField id={fid("reason")} label="Reason" hint="Shown with the silence, e.g. planned maintenance" error={errors.reason}>
            <input {...inputProps("reason")} value={reason} onChange={(e) => setReason(e.target.value)} className={inputClass} autoComplete="off" autoFocus />
          </FormField>
        </div>
      </FormCard>
    </Modal>
  );
}
