import fs from "node:fs";

/**
 * Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22), or undefined if it
 * is gone. A pid plus this value names one process for good: a recycled pid has another start time.
 */
export function processStartTime(pid: number): bigint | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = fields[19]; // field 22 overall; fields here start at field 3
  return start === undefined ? undefined : BigInt(start);
}

export function isSameProcess(pid: number, startTime: bigint): boolean {
  return processStartTime(pid) === startTime;
}
