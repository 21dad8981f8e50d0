import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../testing/gantry";
import { parseLogLine, readLogs } from "./log-reader";

const line = (at: number, stream: "out" | "err", text: string) => `${new Date(at).toISOString()} ${stream} ${text}\n`;
const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe("readLogs", () => {
  const dir = tempDir("read-logs");
  // 3 files: the oldest rotated one first; 3000 lines in all, every 10th on stderr.
  const all = Array.from({ length: 3000 }, (_, i) => ({ at: t0 + i * 1000, stream: i % 10 === 0 ? ("err" as const) : ("out" as const), text: `line ${i}${i % 100 === 0 ? " \u001b[31mERROR\u001b[0m" : ""}` }));
  fs.writeFileSync(path.join(dir, "output.log.2"), all.slice(0, 1000).map((l) => line(l.at, l.stream, l.text)).join(""));
  fs.writeFileSync(path.join(dir, "output.log.1"), all.slice(1000, 2000).map((l) => line(l.at, l.stream, l.text)).join(""));
  fs.writeFileSync(path.join(dir, "output.log"), all.slice(2000).map((l) => line(l.at, l.stream, l.text)).join(""));

  it("returns the newest lines, oldest first", async () => {
    const lines = await readLogs(dir, { tail: 3 });
    expect(lines.map((l) => l.text)).toEqual(["line 2997", "line 2998", "line 2999"]);
  });

  it("crosses into rotated files for a long tail", async () => {
    const lines = await readLogs(dir, { tail: 1500 });
    expect(lines).toHaveLength(1500);
    expect(lines[0]!.text).toMatch(/^line 1500\b/);
  });

  it("filters by time range, stream and text (case-insensitive)", async () => {
    expect((await readLogs(dir, { tail: 100, since: t0 + 2995_000 })).map((l) => l.text)).toEqual(["line 2995", "line 2996", "line 2997", "line 2998", "line 2999"]);
    expect((await readLogs(dir, { tail: 100, since: t0 + 100_000, until: t0 + 105_000 })).map((l) => l.text)).toEqual(["line 100 \u001b[31mERROR\u001b[0m", "line 101", "line 102", "line 103", "line 104", "line 105"]);
    const errors = await readLogs(dir, { tail: 2, stream: "stderr" });
    expect(errors.map((l) => l.text)).toEqual(["line 2980", "line 2990"]);
    expect((await readLogs(dir, { tail: 1000, text: "error" })).length).toBe(30);
  });

  it("parses only well-formed lines", () => {
    expect(parseLogLine("2026-11-25T12:00:00.000Z err boom")).toEqual({ at: t0, stream: "stderr", text: "boom" });
    expect(parseLogLine("garbage")).toBeUndefined();
  });
});
