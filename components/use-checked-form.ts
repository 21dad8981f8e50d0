"use client";

import { useId, useState } from "react";
import type { z } from "zod";
import { invalidProps, issueErrors, serverErrors, type FormErrors } from "./form-errors";

/**
 * A form checked with the server's own zod contract before it is sent, whose errors (the
 * contract's, the caller's extra ones, then the server's) land next to `fields`' inputs.
 */
export function useCheckedForm(fields: readonly string[]) {
  const [errors, setErrors] = useState<FormErrors>({});
  const uid = useId();
  /** An id unique to this form: several forms can be open at once. */
  const fid = (key: string) => `${uid}${key}`;

  /** Resolves with what `send` gave, or undefined when the form was refused (its errors are shown). */
  async function submit<S extends z.ZodType, R>(schema: S, raw: unknown, send: (input: z.output<S>) => Promise<R>, extra: FormErrors = {}): Promise<{ value: R } | undefined> {
    const parsed = schema.safeParse(raw);
    const found = { ...(parsed.success ? {} : issueErrors(parsed.error.issues, fields)), ...extra };
    setErrors(found);
    if (!parsed.success || Object.keys(found).length > 0) return undefined;
    try {
      return { value: await send(parsed.data) };
    } catch (err) {
      setErrors(serverErrors(err, fields));
      return undefined;
    }
  }

  return { errors, setErrors, fid, submit, inputProps: (key: string) => ({ id: fid(key), ...invalidProps(fid(key), errors[key]) }) };
}
