"use client";

import { useEffect, useRef, type ReactNode } from "react";

/** A centred dialog over a dimmed page; Escape or a click outside closes it. */
export function Modal({ label, onClose, children, closeKeys = ["Escape"] }: { label: string; onClose(): void; children: ReactNode; closeKeys?: string[] }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    if (!dialog.current?.contains(document.activeElement)) dialog.current?.focus();
    return () => previous?.focus?.();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40" onClick={onClose}>
      <div
        ref={dialog}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        tabIndex={-1}
        className="w-[28rem] max-w-[90vw] rounded-lg border border-zinc-200 bg-white p-5 shadow-xl outline-none dark:border-zinc-700 dark:bg-zinc-900"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          // Keys stay inside the dialog: the page's shortcuts must not act behind it.
          e.stopPropagation();
          if (closeKeys.includes(e.key)) {
            e.preventDefault();
            onClose();
          }
        }}
      >
        {children}
      </div>
    </div>
  );
}
