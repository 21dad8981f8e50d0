import { parseDuration } from "../contracts/registration";
import { AppError } from "../lib/app-error";

export const DATACENTER = "dc1";
const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;
const MAX_INDEX = 2n ** 64n - 1n;

export type ReadOptions = {
  /** The index a blocking query waits past; 0 answers at once. */
  index: number;
  /** How long it may wait, capped as Consul caps it. */
  waitMs: number;
};

const bad = (message: string) => new AppError("BAD_REQUEST", message);

/** Go's time.ParseDuration, which Consul parses ?wait and ?max_stale with: "0", or signed number+unit runs. */
function goDuration(text: string): number | undefined {
  if (text === "0" || text === "+0" || text === "-0") return 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const ms = parseDuration(text.replace(/^[+-]/, ""));
  return ms === undefined ? undefined : sign * ms;
}

/**
 * The query parameters every catalog and health read takes, parsed as Consul's HTTP layer parses
 * them and refused with its words (400 plain text) — in its order: datacenter, consistency, wait,
 * index. Without this a typo (`?index=abc`) quietly turned a blocking query into a busy loop.
 */
export function readOptions(query: URLSearchParams): ReadOptions {
  const dc = query.get("dc");
  if (dc && dc !== DATACENTER) throw new AppError("INTERNAL", "No path to datacenter");

  const stale = query.has("stale");
  const consistent = query.has("consistent");
  const maxStale = query.get("max_stale");
  if (maxStale && goDuration(maxStale) === undefined) throw bad(`Invalid max_stale value ${JSON.stringify(maxStale)}`);
  if ((stale || (maxStale && goDuration(maxStale)! > 0)) && consistent) throw bad("Cannot specify ?stale with ?consistent, conflicting semantics.");
  if (query.has("cached") && consistent) throw bad("Cannot specify ?cached with ?consistent, conflicting semantics.");
  if (query.has("filter")) throw bad("Gantry does not implement ?filter; select with ?tag and ?passing");

  let waitMs = DEFAULT_WAIT_MS;
  const wait = query.get("wait");
  if (wait) {
    const parsed = goDuration(wait);
    if (parsed === undefined) throw bad("Invalid wait time");
    if (parsed > 0) waitMs = Math.min(MAX_WAIT_MS, parsed);
  }

  let index = 0;
  const rawIndex = query.get("index");
  if (rawIndex) {
    // strconv.ParseUint(idx, 10, 64): digits only, no sign, at most 2^64 - 1.
    if (!/^\d+$/.test(rawIndex) || BigInt(rawIndex) > MAX_INDEX) throw bad("Invalid index");
    index = Number(rawIndex);
  }
  return { index, waitMs };
}
