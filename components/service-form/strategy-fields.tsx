"use client";

import { FormField, inputClass } from "../form-field";
import type { FormErrors } from "./form-values";
import type { StrategyDraft } from "./strategy-values";

/** How a new revision replaces the running one. */
export function StrategyFields(props: { idPrefix: string; draft: StrategyDraft; errors: FormErrors; onChange(draft: StrategyDraft): void }) {
  const { draft, errors, idPrefix } = props;
  const id = (field: string) => `${idPrefix}strategy.${field}`;
  const text = (key: Exclude<keyof StrategyDraft, "autoRollback">, label: string, hint: string) => (
    <FormField id={id(key)} label={label} hint={hint} error={errors[`strategy.${key}`]}>
      <input
        id={id(key)}
        inputMode="numeric"
        value={draft[key]}
        onChange={(e) => props.onChange({ ...draft, [key]: e.target.value })}
        className={inputClass}
        aria-invalid={Boolean(errors[`strategy.${key}`])}
      />
    </FormField>
  );
  return (
    <>
      {text("maxSurge", "Max surge", "Extra instances allowed while replacing")}
      {text("maxUnavailable", "Max unavailable", "Ready instances that may be missing while replacing")}
      {text("minReadySeconds", "Min ready (s)", "A new instance must stay ready this long before an old one goes")}
      {text("progressDeadlineSeconds", "Progress deadline (s)", "A rollout with no progress for this long fails")}
      <label className="flex items-center gap-2 self-end pb-2 text-sm">
        <input type="checkbox" checked={draft.autoRollback} onChange={(e) => props.onChange({ ...draft, autoRollback: e.target.checked })} /> Roll back automatically when a rollout fails
      </label>
    </>
  );
}
