import YAML from "yaml";
import type { GantryEvent } from "../contracts/event";
import { inRotation, type Instance } from "../contracts/instance";
import type { Rollout } from "../contracts/rollout";
import type { Service } from "../contracts/service";
import { usageError } from "./exit-codes";

export const outputFormats = ["table", "json", "yaml", "name"] as const;
export type OutputFormat = (typeof outputFormats)[number];

export function parseOutputFormat(raw: string): OutputFormat {
  if ((outputFormats as readonly string[]).includes(raw)) return raw as OutputFormat;
  throw usageError(`-o must be one of ${outputFormats.join(", ")}, not ${raw}`);
}

type Column<T> = { header: string; cell(row: T, now: number): string };

/** How one kind of thing shows in a table, and the name `-o name` prints. */
export type View<T> = { columns: Column<T>[]; name(row: T): string };

/** "42s", "5m", "3h", "2d": how long ago, as kubectl shows ages. */
export function age(iso: string | null, now: number): string {
  if (!iso) return "-";
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

const isLive = (i: Pick<Instance, "phase">) => i.phase !== "Stopped" && i.phase !== "Failed";

/** Services, with READY counted from the instances given (ready and running / wanted). */
export function servicesView(instances: readonly Instance[]): View<Service> {
  const ready = (id: string) => instances.filter((i) => i.serviceId === id && inRotation(i)).length;
  return {
    name: (s) => s.name,
    columns: [
      { header: "NAME", cell: (s) => s.name },
      { header: "READY", cell: (s) => (s.external ? "external" : `${ready(s.id)}/${s.replicas}`) },
      { header: "REVISION", cell: (s) => String(s.revision) },
      { header: "LISTEN", cell: (s) => (s.listenPort ? `127.0.0.1:${s.listenPort}` : "-") },
      { header: "AGE", cell: (s, now) => (s.deleting ? "deleting" : age(s.createdAt, now)) },
    ],
  };
}

export const instancesView: View<Instance> = {
  name: (i) => i.id,
  columns: [
    { header: "ID", cell: (i) => i.id },
    { header: "SERVICE", cell: (i) => i.serviceName },
    { header: "REVISION", cell: (i) => String(i.revision) },
    { header: "PHASE", cell: (i) => i.phase },
    { header: "READY", cell: (i) => (i.ready ? "yes" : "no") },
    { header: "RESTARTS", cell: (i) => String(i.restarts) },
    { header: "PORT", cell: (i) => (i.port === null ? "-" : String(i.port)) },
    { header: "AGE", cell: (i, now) => age(i.startedAt, now) },
  ],
};

export const eventsView: View<GantryEvent> = {
  name: (e) => e.id,
  columns: [
    { header: "AGE", cell: (e, now) => age(e.at, now) },
    { header: "KIND", cell: (e) => e.kind },
    { header: "SERVICE", cell: (e) => e.serviceName ?? "-" },
    { header: "ACTOR", cell: (e) => e.actor },
    { header: "MESSAGE", cell: (e) => e.message.replace(/\s+/g, " ") },
  ],
};

/** Rollouts name their service by id; the caller says how to show it. */
export function rolloutsView(serviceName: (id: string) => string): View<Rollout> {
  return {
    name: (r) => r.id,
    columns: [
      { header: "SERVICE", cell: (r) => serviceName(r.serviceId) },
      { header: "REVISION", cell: (r) => `${r.fromRevision} -> ${r.toRevision}` },
      { header: "CAUSE", cell: (r) => r.cause },
      { header: "STATUS", cell: (r) => r.status },
      { header: "UPDATED", cell: (r) => `${r.updated}/${r.replicas}` },
      { header: "OLD", cell: (r) => String(r.remaining) },
      { header: "AGE", cell: (r, now) => age(r.startedAt, now) },
    ],
  };
}

/** Columns padded to their widest cell, separated by three spaces; the last column is not padded. */
export function renderTable<T>(rows: readonly T[], view: View<T>, now: number, header = true): string {
  const cells = rows.map((row) => view.columns.map((c) => c.cell(row, now)));
  const lines = header ? [view.columns.map((c) => c.header), ...cells] : cells;
  const widths = view.columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  return lines.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join("   ").trimEnd()).join("\n") + (lines.length > 0 ? "\n" : "");
}

/** A whole list, as `get` prints it. */
export function renderList<T>(format: OutputFormat, rows: readonly T[], view: View<T>, now: number): string {
  switch (format) {
    case "table":
      return rows.length === 0 ? "" : renderTable(rows, view, now);
    case "json":
      return `${JSON.stringify(rows, null, 2)}\n`;
    case "yaml":
      return YAML.stringify(rows);
    case "name":
      return rows.map((row) => `${view.name(row)}\n`).join("");
  }
}

/**
 * One changed row while watching: a table row under the header printed once, one JSON object a line
 * (NDJSON), a YAML document, or a name.
 */
export function renderWatched<T>(format: OutputFormat, row: T, view: View<T>, now: number): string {
  switch (format) {
    case "table":
      return renderTable([row], view, now, false);
    case "json":
      return `${JSON.stringify(row)}\n`;
    case "yaml":
      return `---\n${YAML.stringify(row)}`;
    case "name":
      return `${view.name(row)}\n`;
  }
}

/** Live instances first (by service, then id), so the ones that matter lead the table. */
export const sortInstances = (instances: readonly Instance[]) =>
  [...instances].sort((a, b) => Number(isLive(b)) - Number(isLive(a)) || a.serviceName.localeCompare(b.serviceName) || a.id.localeCompare(b.id));
