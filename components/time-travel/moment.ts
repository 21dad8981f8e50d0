/** A moment as a `datetime-local` input holds it (local time, to the second). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A `datetime-local` value back to ms; undefined when it isn't a moment. */
export function fromLocalInput(value: string): number | undefined {
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** How the banner and the change list name a moment: the time, and the day when it isn't today. */
export function describeMoment(ms: number, now: number): string {
  const d = new Date(ms);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return d.toDateString() === new Date(now).toDateString() ? time : `${d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" })} ${time}`;
}

/** Where the scrubber's arrows go: a minute, or ten seconds with Shift; never past now or the window. */
export function stepMoment(at: number, direction: -1 | 1, fine: boolean, bounds: { from: number; to: number }): number {
  const next = at + direction * (fine ? 10_000 : 60_000);
  return Math.min(bounds.to, Math.max(bounds.from, next));
}
