/** Errors by field path ("username", "grants.0.label"); `form` holds what belongs to no input. */
export type FormErrors = Partial<Record<string, string>> & { form?: string };

type Issue = { path: readonly PropertyKey[]; message: string };
type ServerFailure = { message?: string; data?: { fieldErrors?: Record<string, string> | null } | null };

/** Whether `path` is the field itself or lies below it (grants.0.label is the grants editor's). */
const belongsTo = (path: string, field: string) => path === field || path.startsWith(`${field}.`);

/**
 * Puts each message next to its input when the form has one; the others, or `fallback` when
 * nothing else was said, become the form's own error.
 */
export function placeErrors(found: Record<string, string>, fields: readonly string[], fallback?: string): FormErrors {
  const placed: FormErrors = {};
  const rest: string[] = [];
  for (const [path, message] of Object.entries(found)) {
    if (fields.some((field) => belongsTo(path, field))) placed[path] ??= message;
    else rest.push(path ? `${path}: ${message}` : message);
  }
  if (rest.length > 0) placed.form = rest.join("; ");
  else if (Object.keys(placed).length === 0 && fallback) placed.form = fallback;
  return placed;
}

/** A zod check's issues, the first message per path (as the server reports them). */
export function issueErrors(issues: readonly Issue[], fields: readonly string[]): FormErrors {
  const found: Record<string, string> = {};
  for (const issue of issues) found[issue.path.map(String).join(".")] ??= issue.message;
  return placeErrors(found, fields);
}

/** A failed tRPC call: its field errors where they belong, else its message. */
export function serverErrors(err: unknown, fields: readonly string[]): FormErrors {
  const failure = (err ?? {}) as ServerFailure;
  return placeErrors(failure.data?.fieldErrors ?? {}, fields, failure.message || "the request failed");
}

/** The props that tie an input to its FormField error. */
export function invalidProps(id: string, error: string | undefined) {
  return { "aria-invalid": Boolean(error), "aria-describedby": error ? `${id}-error` : undefined };
}
