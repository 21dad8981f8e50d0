"use client";

import { useState } from "react";
import { inputClass } from "../form-field";
import type { SecretDraft } from "./form-values";

/**
 * Secret environment variables: values are typed masked, stored encrypted, and never sent back;
 * a stored one shows as "unchanged" until a new value is typed.
 */
export function SecretFields({ secrets, error, onChange }: { secrets: SecretDraft[]; error?: string; onChange(secrets: SecretDraft[]): void }) {
  const [shown, setShown] = useState<Set<number>>(new Set());
  const set = (index: number, secret: SecretDraft) => onChange(secrets.map((s, i) => (i === index ? secret : s)));
  // Rows shift up on removal: mask them all again rather than show the next row's value.
  const remove = (index: number) => (setShown(new Set()), onChange(secrets.filter((_, i) => i !== index)));
  const toggle = (index: number) => setShown((s) => new Set(s.has(index) ? [...s].filter((i) => i !== index) : [...s, index]));
  return (
    <div className="space-y-2 @xl:col-span-2">
      <p className="text-sm font-medium">Secrets</p>
      <p className="text-xs text-zinc-500">Environment variables whose values are stored encrypted and never shown again.</p>
      {secrets.map((secret, index) => {
        const kept = secret.storedAs === secret.name.trim() && secret.value === "";
        return (
          <div key={index} className="flex items-center gap-2" data-testid="secret">
            <input
              aria-label={`Secret ${index + 1} name`}
              placeholder="NAME"
              value={secret.name}
              onChange={(e) => set(index, { ...secret, name: e.target.value })}
              className={`${inputClass} font-mono`}
              autoComplete="off"
            />
            <input
              aria-label={`Secret ${index + 1} value`}
              type={shown.has(index) ? "text" : "password"}
              placeholder={kept ? "•••••• unchanged" : "value"}
              value={secret.value}
              onChange={(e) => set(index, { ...secret, value: e.target.value })}
              className={`${inputClass} font-mono`}
              autoComplete="new-password"
            />
            <button type="button" className="shrink-0 text-xs text-zinc-500 hover:text-zinc-900 dark:hover:text-white" onClick={() => toggle(index)} aria-label={`${shown.has(index) ? "Hide" : "Show"} secret ${index + 1}`}>
              {shown.has(index) ? "Hide" : "Show"}
            </button>
            <button type="button" className="shrink-0 text-xs text-zinc-500 hover:text-red-600" onClick={() => remove(index)}>
              Remove
            </button>
          </div>
        );
      })}
      {error && (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <button type="button" className="text-xs text-sky-600 hover:underline" onClick={() => onChange([...secrets, { name: "", value: "", storedAs: null }])}>
        Add secret
      </button>
    </div>
  );
}
