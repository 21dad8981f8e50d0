import { defaultStrategy, rolloutStrategy, type RolloutStrategy } from "@/server/contracts/rollout";
import { numberOrNaN, type FormErrors } from "./form-values";

/** The rollout strategy as typed into the form. */
export type StrategyDraft = { maxSurge: string; maxUnavailable: string; minReadySeconds: string; progressDeadlineSeconds: string; autoRollback: boolean };

export const strategyDraftOf = (strategy: RolloutStrategy = defaultStrategy): StrategyDraft => ({
  maxSurge: String(strategy.maxSurge),
  maxUnavailable: String(strategy.maxUnavailable),
  minReadySeconds: String(strategy.minReadySeconds),
  progressDeadlineSeconds: String(strategy.progressDeadlineSeconds),
  autoRollback: strategy.autoRollback,
});

/** Checked with the server's own contract; errors keyed `strategy.<field>` like the server's. */
export function toStrategyInput(draft: StrategyDraft): { strategy: RolloutStrategy } | { errors: FormErrors } {
  const parsed = rolloutStrategy.safeParse({
    maxSurge: numberOrNaN(draft.maxSurge),
    maxUnavailable: numberOrNaN(draft.maxUnavailable),
    minReadySeconds: numberOrNaN(draft.minReadySeconds),
    progressDeadlineSeconds: numberOrNaN(draft.progressDeadlineSeconds),
    autoRollback: draft.autoRollback,
  });
  if (parsed.success) return { strategy: parsed.data };
  const errors: FormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path.join(".");
    const typed = draft[field as keyof StrategyDraft];
    // zod reports a missing number and a fractional one alike (invalid_type): tell them apart by what was typed.
    errors[`strategy.${field}`] ??= typeof typed === "string" && !Number.isFinite(numberOrNaN(typed)) ? "a number is required" : issue.message;
  }
  return { errors };
}
