"use client";

import { useSyncExternalStore } from "react";
import { CHANGED, STORAGE_KEY } from "./theme-boot";

export type ThemePreference = "system" | "light" | "dark";

function readPreference(): ThemePreference {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === "light" || stored === "dark" ? stored : "system";
  } catch {
    return "system";
  }
}

function subscribe(onChange: () => void): () => void {
  // The class on <html> is the truth; watch it rather than re-deriving it here.
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  addEventListener(CHANGED, onChange);
  return () => {
    observer.disconnect();
    removeEventListener(CHANGED, onChange);
  };
}

const snapshot = () => `${readPreference()}:${document.documentElement.classList.contains("dark") ? "dark" : "light"}`;

export function useTheme(): { preference: ThemePreference; resolved: "light" | "dark"; setPreference(p: ThemePreference): void } {
  const [preference, resolved] = useSyncExternalStore(subscribe, snapshot, () => "system:light").split(":") as [ThemePreference, "light" | "dark"];
  return {
    preference,
    resolved,
    setPreference(next) {
      try {
        if (next === "system") localStorage.removeItem(STORAGE_KEY);
        else localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // Private mode without storage: the choice lasts until reload.
        document.documentElement.classList.toggle("dark", next === "dark");
      }
      dispatchEvent(new Event(CHANGED));
    },
  };
}
