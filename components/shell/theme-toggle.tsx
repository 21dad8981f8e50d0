"use client";

import { useTheme, type ThemePreference } from "./theme";

const order: ThemePreference[] = ["system", "light", "dark"];
const icons: Record<ThemePreference, string> = { system: "◐", light: "☀", dark: "☾" };

/** Cycles system → light → dark. */
export function ThemeToggle() {
  const { preference, setPreference } = useTheme();
  const next = order[(order.indexOf(preference) + 1) % order.length]!;
  return (
    <button
      type="button"
      className="flex items-center gap-2 rounded-md px-2 py-1 text-xs text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 dark:hover:bg-zinc-800 dark:hover:text-white"
      onClick={() => setPreference(next)}
      title={`Switch to ${next} theme`}
      aria-label={`Theme: ${preference}. Switch to ${next}`}
    >
      <span aria-hidden>{icons[preference]}</span>
      <span className="capitalize">{preference} theme</span>
    </button>
  );
}
