"use client";

import { useEffect } from "react";
import { needsAttention, useAlerts } from "./use-alerts";

const PREFIX = /^\(\d+ firing\) /;

/** The browser tab says how many alerts are firing (and not silenced), so a background tab still tells on-call. */
export function AlertTitle() {
  const firing = (useAlerts() ?? []).filter(needsAttention).length;
  useEffect(() => {
    const base = document.title.replace(PREFIX, "");
    document.title = firing > 0 ? `(${firing} firing) ${base}` : base;
  }, [firing]);
  return null;
}
