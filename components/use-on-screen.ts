"use client";

import { useEffect, useState, type RefObject } from "react";

/**
 * Whether any of the element is on screen (clipping by scroll containers counts). False until the
 * first observation, so something scrolled away never does its first, costly render.
 */
export function useOnScreen(ref: RefObject<Element | null>): boolean {
  const [onScreen, setOnScreen] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => setOnScreen(entries.at(-1)!.isIntersecting));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return onScreen;
}
