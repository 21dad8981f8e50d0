"use client";

import type { Grant, Role } from "@/server/contracts/access";
import { inputBase } from "../form-field";
import type { FormErrors } from "../form-errors";
import { grantAddsNothing, grantRowErrors, roleAbove } from "../access/grants";
import { RoleSelect } from "../access/role-select";

const selectClass = `w-28 shrink-0 ${inputBase}`;
const linkButton = "shrink-0 text-xs text-zinc-500 hover:text-red-600";

/**
 * Rows of "role on key=value": a higher role on the services carrying that label. Row errors
 * come from the form's `grants.N…` paths; a grant no higher than the global role is pointed out.
 */
export function GrantsEditor(props: { grants: Grant[]; globalRole: Role; errors: FormErrors; onChange(grants: Grant[]): void }) {
  const { grants, globalRole, errors, onChange } = props;
  const rowErrors = grantRowErrors(errors);
  const set = (index: number, grant: Grant) => onChange(grants.map((g, i) => (i === index ? grant : g)));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium">Grants</legend>
      <p className="text-xs text-zinc-500">A higher role on the services carrying one label, e.g. editor on team=payments. Grants only raise the role above.</p>
      {grants.map((grant, index) => {
        const error = rowErrors.get(index);
        return (
          <div key={index} className="space-y-1" data-testid="grant">
            <div className="flex items-center gap-2">
              <RoleSelect label={`Grant ${index + 1} role`} value={grant.role} className={selectClass} onChange={(role) => set(index, { ...grant, role })} />
              <span className="text-xs text-zinc-500">on</span>
              <input
                aria-label={`Grant ${index + 1} label`}
                aria-invalid={Boolean(error)}
                placeholder="team=payments"
                value={grant.label}
                onChange={(e) => set(index, { ...grant, label: e.target.value })}
                className={`min-w-0 flex-1 font-mono ${inputBase}`}
                autoComplete="off"
              />
              <button type="button" className={linkButton} aria-label={`Remove grant ${index + 1}`} onClick={() => onChange(grants.filter((_, i) => i !== index))}>
                Remove
              </button>
            </div>
            {error ? (
              <p role="alert" className="text-xs text-red-600 dark:text-red-400">
                {error}
              </p>
            ) : (
              grantAddsNothing(globalRole, grant) && <p className="text-xs text-amber-700 dark:text-amber-400">Adds nothing: the role above is already {globalRole}.</p>
            )}
          </div>
        );
      })}
      {errors.grants && (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {errors.grants}
        </p>
      )}
      <button type="button" className="text-xs text-sky-600 hover:underline" onClick={() => onChange([...grants, { role: roleAbove(globalRole), label: "" }])}>
        Add grant
      </button>
    </fieldset>
  );
}
