import { roleDescriptions, type Role } from "@/server/contracts/access";
import { FormField } from "../form-field";
import { RoleSelect } from "./role-select";

/** A labelled role picker whose hint says what the chosen role may do. */
export function RoleField(props: { id: string; label?: string; value: Role; allowed?: readonly Role[]; error?: string; onChange(role: Role): void }) {
  return (
    <FormField id={props.id} label={props.label ?? "Role"} hint={`${props.value}: ${roleDescriptions[props.value]}`} error={props.error}>
      <RoleSelect id={props.id} value={props.value} allowed={props.allowed} error={props.error} onChange={props.onChange} />
    </FormField>
  );
}
