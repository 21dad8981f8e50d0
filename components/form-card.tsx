import type { FormEvent, ReactNode } from "react";
import { FormError } from "./form-error";
import { cardClass } from "./page-section";
import { SubmitRow } from "./submit-row";

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
      <SubmitRow label={props.submitLabel} pendingLabel={props.pendingLabel} pending={props.pending} onCancel={props.onCancel} />
    </form>
  );
}
