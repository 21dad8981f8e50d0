"use client";

import { useNow } from "./use-now";

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];
const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function relativeTime(iso: string, now: number): string {
  const diff = new Date(iso).getTime() - now;
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms || unit === "second") return format.format(Math.round(diff / ms), unit);
  }
  return "";
}

/** "3 minutes ago", refreshed every 15 s; the exact time is in the tooltip. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow(15_000);
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {now === undefined ? "" : relativeTime(iso, now)}
    </time>
  );
}
