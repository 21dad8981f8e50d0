import type { ReactNode } from "react";
import type { PlanPreview as Plan, PlanStep } from "@/server/contracts/rollout";
import { buttonClass } from "../form-field";
import { TemplateDiff } from "./template-diff";

/** Waves shown before the rest are summed up. */
const SHOWN_WAVES = 12;

const stepText = (step: PlanStep) =>
  step.kind === "start" ? `start an instance of revision ${step.revision}` : `stop ${step.instanceId} (revision ${step.revision}, ${step.reason.replace("-", " ")})`;

function summary(plan: Plan): string {
  if (plan.starts + plan.stops === 0) return "No instance is started or stopped.";
  const replaced = plan.waves.flat().filter((s) => s.kind === "stop" && s.reason === "replaced").length;
  const parts = [replaced && `replaces ${replaced}`, plan.starts - replaced > 0 && `starts ${plan.starts - replaced}`, plan.stops - replaced > 0 && `stops ${plan.stops - replaced}`];
  return `Gantry ${parts.filter(Boolean).join(", ")} instance(s), at most ${plan.peak} running at once and never fewer than ${plan.lowestReady} ready.`;
}

/** What saving an edit will do, before it is saved (the form's Apply / Back to editing). */
export function PlanPreview({ plan, busy, onApply, onBack }: { plan: Plan; busy: boolean; onApply(): void; onBack(): void }) {
  return (
    <PlanDetails plan={plan} title={plan.revision ? `Saving creates revision ${plan.revision.to} and rolls to it from revision ${plan.revision.from}` : `Saving changes ${plan.changed.join(", ") || "nothing"}`}>
      <button type="button" className={buttonClass.primary} disabled={busy} onClick={onApply}>
        {busy ? "Applying…" : "Apply"}
      </button>
      <button type="button" className={buttonClass.secondary} disabled={busy} onClick={onBack}>
        Back to editing
      </button>
    </PlanDetails>
  );
}

/** A change's plan, computed by the engine's own reconciler: summary, diff, steps, then the caller's buttons. */
export function PlanDetails({ plan, title, children }: { plan: Plan; title: string; children: ReactNode }) {
  const hidden = plan.waves.length - SHOWN_WAVES;
  return (
    <section aria-label="Plan preview" className="space-y-3 rounded-md border border-sky-200 bg-sky-50/60 p-3 text-sm dark:border-sky-900 dark:bg-sky-950/40">
      <h3 className="font-semibold">{title}</h3>
      {/* A swarm service is rolled by Swarm: its update config, not Gantry's steps. */}
      <p data-testid="plan-summary">{plan.cluster ?? summary(plan)}</p>
      {plan.diff.length > 0 && <TemplateDiff changes={plan.diff} label="Changes to the instance template" />}
      {plan.relinks.length > 0 && (
        <p data-testid="plan-relinks">
          Also rolls {plan.relinks.length === 1 ? "its caller" : `its ${plan.relinks.length} callers`} to a new revision, their link renamed:{" "}
          {plan.relinks.map((r) => `${r.service} (${r.from} → ${r.to})`).join(", ")}.
        </p>
      )}
      {plan.waves.length > 0 && !plan.cluster && (
        <ol className="list-decimal space-y-0.5 pl-5 text-xs text-zinc-600 dark:text-zinc-300" aria-label="Steps">
          {plan.waves.slice(0, SHOWN_WAVES).map((wave, index) => (
            <li key={index}>{wave.map(stepText).join("; ")}</li>
          ))}
          {hidden > 0 && <li className="list-none text-zinc-500">… and {hidden} more step(s) like these</li>}
        </ol>
      )}
      {!plan.cluster && <p className="text-xs text-zinc-500">Each step waits for the instances it started to be ready; stopped instances finish their requests first.</p>}
      <div className="flex flex-wrap gap-2">{children}</div>
    </section>
  );
}
