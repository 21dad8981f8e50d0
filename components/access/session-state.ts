"use client";

import { CSRF_HEADER } from "@/server/contracts/access";

/** Every request the dashboard makes carries this: a cross-site form can't, so Gantry can tell them apart. */
export const dashboardHeaders = { [CSRF_HEADER]: "1" };

type Listener = (reason: string) => void;
const listeners = new Set<Listener>();
/** When the user last signed in again over the page (performance.now()). */
let regainedAt = Number.NEGATIVE_INFINITY;

/**
 * The session ended under the user (expired, signed out elsewhere, role changed): whoever shows
 * the sign-in dialog listens here. Pages stay as they are, so a half-filled form is not lost.
 * `sentAt` is when the refused request or socket went out: one sent before the latest sign-in
 * carried the old session, so its refusal (a poll answered just after the sign-in) says nothing
 * about the new one.
 */
export function sessionLost(reason: string, sentAt: number): void {
  if (sentAt < regainedAt) return;
  for (const listener of listeners) listener(reason);
}

/** The user signed in again over the page: refusals of what was sent before are stale from now on. */
export function sessionRegained(): void {
  regainedAt = performance.now();
}

export function onSessionLost(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** POSTs JSON to one of Gantry's sign-in endpoints; the server's message on failure. */
export async function postAuth(path: string, body: unknown): Promise<{ ok: true } | { ok: false; error: string; field?: string }> {
  try {
    const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json", ...dashboardHeaders }, body: JSON.stringify(body) });
    if (res.ok) return { ok: true };
    const answer = (await res.json().catch(() => ({}))) as { error?: string; field?: string };
    return { ok: false, error: answer.error ?? `Gantry answered ${res.status}`, field: answer.field };
  } catch {
    return { ok: false, error: "Gantry can't be reached; is it running?" };
  }
}
