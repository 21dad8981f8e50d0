import type { PlanPreview, PlanStep } from "../../contracts/rollout";
import type { DesiredService } from "../types";
import { reconcile, type ActualInstance } from "./reconcile";

/** More waves than any real rollout needs (100 replicas one at a time is 200). */
const MAX_WAVES = 1000;

/**
 * Plays the engine's own reconciler forward from `actual`, assuming every started instance turns
 * ready and every stopped one exits: the steps an edit will take, in waves, for a preview.
 */
export function simulateRollout(desired: DesiredService, actual: ActualInstance[]): Omit<PlanPreview, "changed" | "revision" | "diff" | "relinks" | "cluster"> {
  // Instances on their way up are assumed to make it; those already stopping are as good as gone.
  let live = actual.filter((i) => i.state !== "stopping").map((i) => (i.state === "starting" ? { ...i, state: "ready" as const } : i));
  let seq = Math.max(0, ...actual.map((i) => i.seq));
  const waves: PlanStep[][] = [];
  const readyCount = () => live.filter((i) => i.state === "ready").length;
  let peak = live.length;
  let lowestReady = readyCount();
  for (let wave = 0; wave < MAX_WAVES; wave++) {
    const plan = reconcile(desired, live);
    const steps: PlanStep[] = [];
    const started: ActualInstance[] = [];
    for (const step of plan) {
      if (step.kind === "start") {
        steps.push(step);
        started.push({ id: `new-${++seq}`, revision: step.revision, state: "ready", seq });
      } else if (step.kind === "stop") {
        const instance = live.find((i) => i.id === step.instanceId)!;
        steps.push({ kind: "stop", instanceId: step.instanceId, revision: instance.revision, reason: step.reason });
      }
    }
    if (steps.length === 0) break;
    waves.push(steps);
    // Stopping instances drain while the new ones start: both count toward the peak.
    peak = Math.max(peak, live.length + started.length);
    const stopped = new Set(steps.flatMap((s) => (s.kind === "stop" ? [s.instanceId] : [])));
    live = live.filter((i) => !stopped.has(i.id));
    lowestReady = Math.min(lowestReady, readyCount());
    live.push(...started);
  }
  const all = waves.flat();
  return { waves, starts: all.filter((s) => s.kind === "start").length, stops: all.filter((s) => s.kind === "stop").length, peak, lowestReady };
}
