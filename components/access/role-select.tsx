import { roleDescriptions, roles, type Role } from "@/server/contracts/access";
import { inputClass } from "../form-field";
import { invalidProps } from "../form-errors";

/** A role picker; each option's tooltip says what the role adds. `allowed` narrows the choice. */
export function RoleSelect(props: { id?: string; label?: string; value: Role; allowed?: readonly Role[]; error?: string; className?: string; onChange(role: Role): void }) {
  const allowed = props.allowed ?? roles;
  return (
    <select
      id={props.id}
      aria-label={props.label}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value as Role)}
      className={props.className ?? inputClass}
      {...(props.id ? invalidProps(props.id, props.error) : { "aria-invalid": Boolean(props.error) })}
    >
      {allowed.map((role) => (
        <option key={role} value={role} title={roleDescriptions[role]}>
          {role}
        </option>
      ))}
    </select>
  );
}
