"use client";

import { useEffect, useState } from "react";

/** The current time, refreshed every `ms`; undefined during server rendering. */
export function useNow(ms: number): number | undefined {
  const [now, setNow] = useState<number>();
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
