import { newConnectionCounters } from "../counters";
import type { ConnectionCounters, StatusClass } from "../types";

/** One row of `show stat`: a frontend, a backend, or one of a backend's servers. */
export type StatRow = {
  proxy: string;
  /** FRONTEND, BACKEND or the server's name. */
  server: string;
  kind: "frontend" | "backend" | "server";
  mode: "http" | "tcp";
  /** Server state: UP, MAINT, DRAIN, "no check"… */
  status: string;
  fields: Record<string, string>;
};

/** What one row counts, as HAProxy counts it since its worker started. */
export type RawCounters = {
  requests: Record<StatusClass, number>;
  inFlight: number;
  connections: ConnectionCounters;
  /**
   * Average total time (ms) of the last 1024 requests or sessions; HAProxy keeps no latency
   * histogram. Frontends have none (undefined).
   */
  averageMs: number | undefined;
};

/** Parses `show stat` CSV (its header line starts with "# "). */
export function parseStatCsv(text: string): StatRow[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = lines.shift();
  if (!header?.startsWith("# ")) throw new Error(`not a show stat answer: ${JSON.stringify(text.slice(0, 80))}`);
  const names = header.slice(2).split(",");
  return lines.map((line) => {
    const values = line.split(",");
    const fields = Object.fromEntries(names.map((name, i) => [name, values[i] ?? ""]));
    const server = fields.svname ?? "";
    return {
      proxy: fields.pxname ?? "",
      server,
      kind: server === "FRONTEND" ? "frontend" : server === "BACKEND" ? "backend" : "server",
      mode: fields.mode === "tcp" ? "tcp" : "http",
      status: fields.status ?? "",
      fields,
    };
  });
}

const number = (row: StatRow, field: string) => Number(row.fields[field]) || 0;

/**
 * A row's counters as Gantry's: HTTP rows count responses by class (hrsp_*) and requests in flight
 * (scur: streams at a server, sessions at a frontend); TCP rows count sessions (stot), open ones
 * (scur), bytes (bin/bout) and failed connection attempts (econ), as Gantry's TCP proxy does.
 */
export function rowCounters(row: StatRow): RawCounters {
  const http = row.mode === "http";
  const connections = http
    ? newConnectionCounters()
    : { total: number(row, "stot"), open: number(row, "scur"), bytesIn: number(row, "bin"), bytesOut: number(row, "bout"), connectErrors: number(row, "econ") };
  return {
    requests: {
      "1xx": number(row, "hrsp_1xx"),
      "2xx": number(row, "hrsp_2xx"),
      "3xx": number(row, "hrsp_3xx"),
      "4xx": number(row, "hrsp_4xx"),
      "5xx": number(row, "hrsp_5xx"),
    },
    inFlight: http ? number(row, "scur") : 0,
    connections,
    averageMs: row.fields.ttime ? Number(row.fields.ttime) : undefined,
  };
}
