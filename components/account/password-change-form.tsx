"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { passwordChangeInput } from "@/server/contracts/access";
import { buttonClass, FormField, inputClass } from "../form-field";
import { FormError } from "../form-error";
import type { FormErrors } from "../form-errors";
import { cardClass } from "../page-section";
import { useTRPC } from "../trpc";
import { useCheckedForm } from "../use-checked-form";

const fields = ["current", "next", "again"];
const empty = { current: "", next: "", again: "" };

/** One's own password: the current one, then the new one twice. Other sessions end when it changes. */
export function PasswordChangeForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const change = useMutation(trpc.account.changePassword.mutationOptions());
  const { errors, fid, submit, inputProps } = useCheckedForm(fields);
  const [values, setValues] = useState(empty);
  const [changed, setChanged] = useState(false);
  const input = (key: keyof typeof empty, label: string, autoComplete: string, hint?: string) => (
    <FormField id={fid(key)} label={label} hint={hint} error={errors[key]}>
      <input {...inputProps(key)} type="password" value={values[key]} onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))} className={inputClass} autoComplete={autoComplete} />
    </FormField>
  );

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setChanged(false);
    const mismatch: FormErrors = {};
    if (!values.current) mismatch.current = "enter your current password";
    if (values.next !== values.again) mismatch.again = "the two new passwords differ";
    const done = await submit(passwordChangeInput, { current: values.current, next: values.next }, (input) => change.mutateAsync(input), mismatch);
    if (!done) return;
    setValues(empty);
    setChanged(true);
    void queryClient.invalidateQueries({ queryKey: trpc.account.sessions.queryKey() });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Change password" className={`space-y-4 p-5 ${cardClass}`}>
      <div className="grid gap-4 sm:grid-cols-3">
        {input("current", "Current password", "current-password")}
        {input("next", "New password", "new-password", "At least 10 characters")}
        {input("again", "New password again", "new-password")}
      </div>
      <FormError>{errors.form}</FormError>
      {changed && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          Password changed. Your other sessions have ended; this one goes on.
        </p>
      )}
      <button type="submit" className={buttonClass.primary} disabled={change.isPending}>
        {change.isPending ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}
