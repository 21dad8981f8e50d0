"use client";

import { useState } from "react";

/**
 * `value` as it was when `key` last changed, the same object through the renders in between: a
 * chart keyed on when its axis last moved by a point is redrawn then, not with every second.
 */
export function useHeld<T>(value: T, key: string): T {
  const [held, setHeld] = useState({ key, value });
  if (held.key === key) return held.value;
  // Adjusting state while rendering (not in an effect): React renders again at once, before the children.
  setHeld({ key, value });
  return value;
}
