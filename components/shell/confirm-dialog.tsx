"use client";

import { useState, type ReactNode } from "react";
import { buttonClass } from "../form-field";
import { Modal } from "./modal";

/** Asks before something that can't be undone; shows why it failed if it did. */
export function ConfirmDialog(props: { title: string; children: ReactNode; confirmLabel: string; onConfirm(): Promise<unknown>; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }
  return (
    <Modal label={props.title} onClose={props.onClose}>
      <h2 className="mb-2 text-base font-semibold">{props.title}</h2>
      <div className="text-sm text-zinc-600 dark:text-zinc-300">{props.children}</div>
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <div className="mt-5 flex justify-end gap-2">
        <button type="button" className={buttonClass.secondary} onClick={props.onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className={buttonClass.danger} disabled={busy} onClick={confirm}>
          {busy ? "Working…" : props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
