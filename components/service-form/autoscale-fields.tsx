"use client";

import { FormField, inputClass } from "../form-field";
import type { AutoscaleDraft } from "./autoscale-values";
import type { FormErrors } from "./form-values";

/** Autoscaling: on/off, min/max, the targets (any combination: the largest wanted count wins) and the two windows. */
export function AutoscaleFields(props: { idPrefix: string; draft: AutoscaleDraft; errors: FormErrors; onChange(draft: AutoscaleDraft): void }) {
  const { draft, errors, idPrefix } = props;
  const id = (field: string) => `${idPrefix}autoscale.${field}`;
  const text = (key: Exclude<keyof AutoscaleDraft, "enabled">, label: string, hint: string) => (
    <FormField id={id(key)} label={label} hint={hint} error={errors[`autoscale.${key}`]}>
      <input
        id={id(key)}
        inputMode="decimal"
        value={draft[key]}
        onChange={(e) => props.onChange({ ...draft, [key]: e.target.value })}
        className={inputClass}
        aria-invalid={Boolean(errors[`autoscale.${key}`])}
      />
    </FormField>
  );
  return (
    <>
      <label className="col-span-full flex items-center gap-2 text-sm">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => props.onChange({ ...draft, enabled: e.target.checked })} /> Scale automatically between min and max
      </label>
      {draft.enabled && (
        <>
          {text("minReplicas", "Min replicas", "Never fewer")}
          {text("maxReplicas", "Max replicas", "Never more")}
          {text("requestsPerSecond", "Target req/s per instance", "Empty: not a target")}
          {text("p95LatencyMs", "Target p95 latency (ms)", "Empty: not a target")}
          {text("cpuPercent", "Target CPU % per instance", "Empty: not a target")}
          {text("scaleUpWindowSeconds", "Scale-up window (s)", "Up only to the lowest count wanted this long (0: at once)")}
          {text("scaleDownWindowSeconds", "Scale-down window (s)", "Down only to the highest count wanted this long")}
        </>
      )}
    </>
  );
}
