import type { AlertState } from "../../contracts/alerts";

/** How long a resolved alert stays listed (and remembered) before it is dropped, as Prometheus keeps it. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** The part of an alert its rule's state machine owns; times in ms since epoch. */
export type AlertTimes = { state: AlertState; activeAt: number; firedAt: number | null; resolvedAt: number | null };

/** What one evaluation did to an alert: its next state (undefined: forgotten) and the transition to notify, if any. */
export type AlertStep = { next: AlertTimes | undefined; transition: "firing" | "resolved" | undefined };

/**
 * Prometheus' alerting rule states, one evaluation at a time:
 * - inactive → pending when the condition first holds (activeAt = now), straight to firing when `for` is 0;
 * - pending → firing once the condition has held for `for` (measured from activeAt);
 * - pending whose condition stops holding is dropped: it never fired, so nobody hears of it;
 * - firing → resolved when the condition stops holding;
 * - resolved → pending again when it holds again (a new activeAt), or dropped after RESOLVED_RETENTION_MS.
 */
export function advance(current: AlertTimes | undefined, holds: boolean, forMs: number, now: number): AlertStep {
  const live = current && current.state !== "resolved" ? current : undefined;
  if (!holds) {
    if (live?.state === "firing") return { next: { ...live, state: "resolved", resolvedAt: now }, transition: "resolved" };
    if (current?.state === "resolved" && now - (current.resolvedAt ?? now) < RESOLVED_RETENTION_MS) return { next: current, transition: undefined };
    return { next: undefined, transition: undefined };
  }
  if (live?.state === "firing") return { next: live, transition: undefined };
  const activeAt = live?.activeAt ?? now;
  if (now - activeAt >= forMs) return { next: { state: "firing", activeAt, firedAt: now, resolvedAt: null }, transition: "firing" };
  return { next: { state: "pending", activeAt, firedAt: null, resolvedAt: null }, transition: undefined };
}
