"use client";

import { useState, type RefObject } from "react";
import { buttonClass } from "./form-field";

/** Selects the text of an input or any element, so the user can copy it by hand. */
function selectText(element: HTMLElement) {
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
    element.focus();
    element.select();
    return;
  }
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.selectAllChildren(element);
}

/**
 * Copies `text` to the clipboard. Where the Clipboard API is missing (plain HTTP on another
 * host) or refused, it selects `target`'s text instead and tries the old copy command on it.
 */
export function CopyButton({ text, target, label = "Copy" }: { text: string; target: RefObject<HTMLElement | null>; label?: string }) {
  const [outcome, setOutcome] = useState<"copied" | "selected">();

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      return setOutcome("copied");
    } catch {
      if (!target.current) return setOutcome("selected");
      selectText(target.current);
      let copied = false;
      try {
        copied = document.execCommand("copy");
      } catch {
        // Selected is as far as this browser goes.
      }
      setOutcome(copied ? "copied" : "selected");
    }
  }

  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" className={buttonClass.secondary} onClick={copy}>
        {label}
      </button>
      <span role="status" className="text-xs text-zinc-500">
        {outcome === "copied" ? "Copied" : outcome === "selected" ? "Selected: press Ctrl+C (⌘C on a Mac) to copy" : ""}
      </span>
    </span>
  );
}
