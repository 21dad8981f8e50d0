import type { ReactNode } from "react";

/** An input's look without its width, for inputs sized by their context. */
export const inputBase =
  "rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm shadow-sm outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-500/30 aria-[invalid=true]:border-red-500 dark:border-zinc-700 dark:bg-zinc-900";
export const inputClass = `w-full ${inputBase}`;

/** A labelled input with its hint or inline error; the error is announced and linked to the input. */
export function FormField(props: { id: string; label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={props.id} className="block text-sm font-medium">
        {props.label}
      </label>
      {props.children}
      {props.error ? (
        <p id={`${props.id}-error`} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {props.error}
        </p>
      ) : (
        props.hint && <p className="text-xs text-zinc-500">{props.hint}</p>
      )}
    </div>
  );
}

export const buttonClass = {
  primary:
    "inline-flex items-center gap-1.5 rounded-md bg-sky-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-sky-500 disabled:cursor-not-allowed disabled:opacity-50",
  secondary:
    "inline-flex items-center gap-1.5 rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800",
  danger:
    "inline-flex items-center gap-1.5 rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:border-red-900 dark:text-red-400 dark:hover:bg-red-950",
};
