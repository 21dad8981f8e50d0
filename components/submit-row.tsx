import { buttonClass } from "./form-field";

/** A form's submit and cancel buttons. */
export function SubmitRow(props: { label: string; pendingLabel: string; pending: boolean; disabled?: boolean; title?: string; onCancel(): void }) {
  return (
    <div className="flex gap-2">
      <button type="submit" className={buttonClass.primary} disabled={props.pending || props.disabled} title={props.title}>
        {props.pending ? props.pendingLabel : props.label}
      </button>
      <button type="button" className={buttonClass.secondary} onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
