import type { FormEvent, ReactNode } from "react";
import { buttonClass } from "./form-field";
import { FormError } from "./form-error";
import { cardClass } from "./page-section";

/** A named form on a card: its fields, its own error, then submit and cancel. */
export function FormCard(props: {
  label: string;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  error?: string;
  onSubmit(event: FormEvent): void;
  onCancel(): void;
  children: ReactNode;
}) {
  return (
    <form onSubmit={props.onSubmit} noValidate aria-label={props.label} className={`mb-6 space-y-4 p-5 ${cardClass}`}>
      {props.children}
      <FormError>{props.error}</FormError>
      <div className="flex gap-2">
        <button type="submit" className={buttonClass.primary} disabled={props.pending}>
          {props.pending ? props.pendingLabel : props.submitLabel}
        </button>
        <button type="button" className={buttonClass.secondary} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
