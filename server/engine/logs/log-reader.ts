import fs from "node:fs/promises";
import path from "node:path";
import type { LogLine, LogStream } from "../../contracts/logs";

export type LogFilter = { tail: number; since?: number; until?: number; text?: string; stream?: LogStream };

const CHUNK = 64 * 1024;

/** `2026-11-25T13:47:58.984Z out text` → a line; undefined for anything else. */
export function parseLogLine(line: string): LogLine | undefined {
  if (line.length < 28 || line[24] !== " " || line[28] !== " ") return undefined;
  const at = Date.parse(line.slice(0, 24));
  const stream = line.slice(25, 28);
  if (Number.isNaN(at) || (stream !== "out" && stream !== "err")) return undefined;
  return { at, stream: stream === "out" ? "stdout" : "stderr", text: line.slice(29) };
}

/** Lines of one file, newest first, read backwards in chunks (a tail never reads the whole file). */
async function* linesBackwards(file: string): AsyncGenerator<string> {
  const handle = await fs.open(file, "r").catch(() => undefined);
  if (!handle) return;
  try {
    let position = (await handle.stat()).size;
    let carry = "";
    while (position > 0) {
      const size = Math.min(CHUNK, position);
      position -= size;
      const buffer = Buffer.alloc(size);
      await handle.read(buffer, 0, size, position);
      const text = buffer.toString("utf8") + carry;
      const lines = text.split("\n");
      carry = lines.shift() ?? ""; // may continue in the previous chunk
      for (let i = lines.length - 1; i >= 0; i--) if (lines[i]) yield lines[i]!;
    }
    if (carry) yield carry;
  } finally {
    await handle.close();
  }
}

/**
 * The newest lines of an instance matching the filter, oldest first: reads output.log, then its
 * rotated files, backwards, and stops as soon as it has enough or has gone past `since`.
 */
export async function readLogs(dir: string, filter: LogFilter): Promise<LogLine[]> {
  const needle = filter.text?.toLowerCase();
  const found: LogLine[] = [];
  const files = ["output.log", "output.log.1", "output.log.2", "output.log.3"].map((f) => path.join(dir, f));
  for (const file of files) {
    for await (const raw of linesBackwards(file)) {
      const line = parseLogLine(raw);
      if (!line) continue;
      if (filter.since !== undefined && line.at < filter.since) return found.reverse();
      if (filter.until !== undefined && line.at > filter.until) continue;
      if (filter.stream && line.stream !== filter.stream) continue;
      if (needle && !line.text.toLowerCase().includes(needle)) continue;
      found.push(line);
      if (found.length >= filter.tail) return found.reverse();
    }
  }
  return found.reverse();
}
