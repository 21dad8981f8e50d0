// No "use client": the root layout (a server component) inlines this script.
export const STORAGE_KEY = "gantry-theme";
export const CHANGED = "gantry-theme-change";

/**
 * Runs in <head> before the first paint (no flash of the wrong theme): picks the stored
 * preference or the system's, and keeps following the system while the preference is "system".
 */
export const themeBootScript = `(() => {
  const media = matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    let pref = "system";
    try { pref = localStorage.getItem("${STORAGE_KEY}") || "system"; } catch {}
    const dark = pref === "dark" || (pref === "system" && media.matches);
    document.documentElement.classList.toggle("dark", dark);
  };
  apply();
  media.addEventListener("change", apply);
  addEventListener("${CHANGED}", apply);
})();`;
