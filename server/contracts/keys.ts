import { z } from "zod";

const PROTO = "__proto__";

/**
 * A record whose keys people choose (env names, labels, headers, Consul meta…). JSON can carry
 * "__proto__" as an own key, and zod's record skips it without a word — the name would silently
 * vanish: it is refused wherever a name becomes a key.
 */
export function namedRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) {
  const record = z.record(key, value);
  const refusingProto = z
    .unknown()
    .superRefine((raw, ctx) => {
      if (typeof raw === "object" && raw !== null && Object.hasOwn(raw, PROTO)) ctx.addIssue({ code: "custom", message: `${PROTO} can't be used as a name` });
    })
    .pipe(record);
  // Same input and output as the record; only the check in front differs.
  return refusingProto as unknown as typeof record;
}

/** Own keys only: "constructor" or "toString" in a record of names is a name like any other. */
export const hasName = (record: Record<string, unknown>, name: string) => Object.hasOwn(record, name);
