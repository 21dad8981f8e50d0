const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STEPS = [1, 2, 5, 10, 15, 30].map((n) => n * MINUTE).concat([1, 2, 3, 4, 6, 12, 24].map((n) => n * HOUR));

/**
 * At most `count` round times between `since` and `until` for a time axis: multiples of a round
 * step in local time (every 4 h on the hour, every minute on the minute), so they stay put while
 * the chart moves on. Given to Recharts because on a time scale it would otherwise take every row
 * as a candidate tick, and format and measure every label, each second.
 */
export function timeTicks(since: number, until: number, count: number, timezoneOffsetMinutes = new Date(until).getTimezoneOffset()): number[] {
  const step = STEPS.find((s) => s * count >= until - since) ?? STEPS.at(-1)!;
  const local = -timezoneOffsetMinutes * MINUTE;
  const ticks: number[] = [];
  for (let at = Math.ceil((since + local) / step) * step - local; at <= until; at += step) ticks.push(at);
  return ticks;
}

// One formatter each, made once: `toLocaleTimeString` with options builds a new one on every call.
const hourMinute = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
const hourMinuteSecond = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A tick's label: ticks are a minute or more apart. */
export const tickTime = (at: number) => hourMinute.format(at);

/** A tooltip's time, to the second. */
export const clockTime = (at: number) => hourMinuteSecond.format(at);
