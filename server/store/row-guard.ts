import { ZodError } from "zod";
import type { ChangeFeed } from "./changes";

/**
 * Reads one stored row. A row that no longer reads (written by a bug, an older version, a hand
 * edit) is skipped and reported on the change feed — Gantry logs it and records an event once —
 * so one bad row never stops a boot or hides every other row.
 */
export function readRow<T>(feed: ChangeFeed, row: { table: string; id: string; name?: string }, convert: () => T): T | undefined {
  try {
    return convert();
  } catch (err) {
    feed.publish({ type: "unreadable-row", table: row.table, id: row.id, name: row.name ?? row.id, reason: describe(err) });
    return undefined;
  }
}

/** The rows of a table that read, in order. */
export function readRows<R extends { id: string }, T>(feed: ChangeFeed, table: string, rows: R[], convert: (row: R) => T, nameOf?: (row: R) => string): T[] {
  return rows.flatMap((row) => {
    const value = readRow(feed, { table, id: row.id, name: nameOf?.(row) }, () => convert(row));
    return value === undefined ? [] : [value];
  });
}

function describe(err: unknown): string {
  if (err instanceof ZodError) return err.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ");
  return err instanceof Error ? err.message : String(err);
}
