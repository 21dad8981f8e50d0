"use client";

import { useEffect } from "react";
import { needsAttention, useAlerts } from "./use-alerts";

const PREFIX = /^\(\d+ firing\) /;

/**
 * The browser tab says how many alerts are firing (and not silenced), so a background tab still
 * tells on-call. Next sets the title from the page's metadata when it likes: the count is put back.
 */
export function AlertTitle() {
  const firing = (useAlerts() ?? []).filter(needsAttention).length;
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(PREFIX, "");
      const wanted = firing > 0 ? `(${firing} firing) ${base}` : base;
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => {
      observer.disconnect();
      document.title = document.title.replace(PREFIX, "");
    };
  }, [firing]);
  return null;
}
