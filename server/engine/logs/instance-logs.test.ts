import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/manual-clock";
import { tempDir } from "../../testing/gantry";
import type { DropReport } from "./drop-tally";
import { InstanceLogs, type InstanceLogsOptions, type LogLine } from "./instance-logs";
import { CHUNK_BYTES, MAX_LINE } from "./raw-stream";

const start = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = new Date(start).toISOString();

/** Instance logs in a fresh folder, with what they hand to live tails and report as dropped. */
async function openLogs(name: string, options: Partial<InstanceLogsOptions> = {}, dir = `${tempDir("logs")}/${name}`) {
  const clock = new ManualClock(start);
  const batches: LogLine[][] = [];
  const dropped: DropReport[] = [];
  const logs = new InstanceLogs(dir, { clock, onLines: (lines) => batches.push(lines), onDropped: (report) => dropped.push(report), ...options });
  await logs.open();
  /** Collects, and returns the texts of the lines kept by this collection. */
  const collect = async (final = false) => {
    batches.length = 0;
    await logs.collect(final);
    return batches.flat().map((l) => l.text);
  };
  const output = () => fs.readFileSync(logs.outputPath, "utf8");
  return { logs, clock, batches, dropped, collect, output };
}

describe("InstanceLogs", () => {
  it("stamps complete lines of both streams into output.log and keeps a partial line for later", async () => {
    const { logs, batches, collect, output } = await openLogs("web-1");
    fs.appendFileSync(logs.rawPath("stdout"), "hello\r\nwor");
    fs.appendFileSync(logs.rawPath("stderr"), "oops\n");
    await logs.collect();
    expect(batches.flat().map((l) => [l.stream, l.text])).toEqual([
      ["stdout", "hello"],
      ["stderr", "oops"],
    ]);
    fs.appendFileSync(logs.rawPath("stdout"), "ld\nno newline");
    expect(await collect()).toEqual(["world"]);
    expect(await collect(true)).toEqual(["no newline"]);
    expect(output()).toBe(`${iso} out hello\n${iso} err oops\n${iso} out world\n${iso} out no newline\n`);
  });

  it("resumes from saved positions after a restart instead of repeating lines", async () => {
    const dir = `${tempDir("logs")}/api-1`;
    const first = await openLogs("api-1", {}, dir);
    fs.appendFileSync(first.logs.rawPath("stdout"), "one\ntwo\n");
    await first.collect(true);
    fs.appendFileSync(first.logs.rawPath("stdout"), "three\n");
    const second = await openLogs("api-1", {}, dir);
    expect(await second.collect()).toEqual(["three"]);
  });

  it("after a crash right after it emptied a raw file, resumes at its start instead of skipping lines", async () => {
    const dir = `${tempDir("logs")}/api-2`;
    const first = await openLogs("api-2", { rawTruncateBytes: 100 }, dir);
    fs.appendFileSync(first.logs.rawPath("stdout"), `${"a".repeat(59)}\n`);
    await first.collect(); // positions saved: 60
    fs.appendFileSync(first.logs.rawPath("stdout"), `${"b".repeat(59)}\n`);
    await first.collect(); // 120 read, so the file is emptied; no time has passed for a periodic save
    fs.appendFileSync(first.logs.rawPath("stdout"), Array.from({ length: 20 }, (_, i) => `new ${i}\n`).join(""));
    const second = await openLogs("api-2", {}, dir); // Gantry was killed: the next one opens the same files
    expect(await second.collect()).toEqual(Array.from({ length: 20 }, (_, i) => `new ${i}`));
  });

  it("rotates output.log by size and empties raw files once consumed past the threshold", async () => {
    const { logs, clock, collect } = await openLogs("big-1", { budget: { maxBytes: 200, keep: 2, retainMs: 1000 }, rawTruncateBytes: 100 });
    for (let round = 0; round < 4; round++) {
      fs.appendFileSync(logs.rawPath("stdout"), `${"x".repeat(60)}\n`.repeat(2));
      await collect();
      clock.jump(1000);
    }
    expect(fs.statSync(logs.rawPath("stdout")).size).toBe(0);
    expect(fs.existsSync(`${logs.outputPath}.1`)).toBe(true);
    expect(fs.existsSync(`${logs.outputPath}.2`)).toBe(true);
    expect(fs.existsSync(`${logs.outputPath}.3`)).toBe(false);
    fs.appendFileSync(logs.rawPath("stdout"), "after truncation\n");
    expect(await collect()).toEqual(["after truncation"]);
  });

  it("keeps every line of a 300,000-line burst, in order, reading it in bounded chunks", async () => {
    const { logs, batches, dropped, collect, output } = await openLogs("burst-1");
    fs.appendFileSync(logs.rawPath("stdout"), `${Array.from({ length: 300_000 }, (_, i) => i + 1).join("\n")}\nEND\n`);
    const texts = await collect();
    expect(texts).toHaveLength(300_001);
    expect(texts.findIndex((text, i) => text !== (i === 300_000 ? "END" : String(i + 1)))).toBe(-1);
    expect(batches.length).toBeGreaterThan(1);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(CHUNK_BYTES / 2);
    expect(dropped).toEqual([]);
    const rotated = fs.readFileSync(`${logs.outputPath}.1`, "utf8");
    expect((rotated + output()).split("\n").filter(Boolean)).toHaveLength(300_001);
  });

  it("keeps what a flood leaves room for, counts the rest, and says so in output.log", async () => {
    // 4 files of 1000 bytes, none discarded within 30 s: a 40-byte line (29 of stamp) each.
    const { logs, clock, dropped, collect, output } = await openLogs("flood-1", { budget: { maxBytes: 1000, keep: 3, retainMs: 30_000 } });
    const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${String(from + i).padStart(5, "0")}\n`).join("");
    fs.appendFileSync(logs.rawPath("stdout"), lines(1, 1000));
    const kept = await collect();
    expect(kept).toHaveLength(100); // 25 per file
    expect(kept.at(-1)).toBe("line 00100");
    await collect(); // nothing dropped in this step: dropping has stopped, so it is reported
    expect(dropped).toEqual([{ stream: "stdout", lines: 900, bytes: 900 * 11, since: start, until: start }]);
    expect(output().trimEnd().split("\n").at(-1)).toMatch(
      new RegExp(`^${iso} out gantry: dropped 900 lines \\(9900 bytes\\) of stdout from ${iso} to ${iso}: logged faster than the log files may turn over \\(4 files of 0\\.00095\\d* MiB`),
    );

    clock.jump(30_000); // the oldest file may go now
    fs.appendFileSync(logs.rawPath("stdout"), lines(1001, 1001));
    expect(await collect()).toEqual(["line 01001"]);
  });

  it("reports a flood that goes on every 10 s, not once per collection", async () => {
    const { logs, clock, dropped, output } = await openLogs("flood-2", { budget: { maxBytes: 100, keep: 1, retainMs: 60_000 } });
    for (let second = 0; second < 25; second++) {
      fs.appendFileSync(logs.rawPath("stdout"), "a line of forty bytes with its stamp\n".repeat(10));
      await logs.collect();
      clock.jump(1000);
    }
    await logs.collect(true);
    // A 66-byte line per file, 2 files: 2 lines kept, then 10 a second dropped.
    expect(dropped.map((d) => [d.lines, d.since - start, d.until - start])).toEqual([
      [108, 0, 10_000],
      [110, 11_000, 21_000],
      [30, 22_000, 24_000], // the final collection reports the rest
    ]);
    expect(output().match(/gantry: dropped/g)).toHaveLength(3);
  });

  it("cuts lines longer than MAX_LINE into pieces, also one still being written", async () => {
    const { logs, collect } = await openLogs("long-1");
    // Without a newline yet, pieces are cut by bytes (2 a character here), never inside a character.
    fs.appendFileSync(logs.rawPath("stdout"), `${"a".repeat(MAX_LINE + 10)}\n${"é".repeat(MAX_LINE / 2 + 3)}`);
    expect(await collect()).toEqual(["a".repeat(MAX_LINE), "a".repeat(10), "é".repeat(MAX_LINE / 2)]);
    expect(await collect(true)).toEqual(["ééé"]);
  });
});

describe("InstanceLogs with multi-byte text", () => {
  it("keeps a UTF-8 character that is split between two writes intact", async () => {
    const { logs, collect } = await openLogs("utf-1");
    const bytes = Buffer.from("naïve ✓\n");
    fs.appendFileSync(logs.rawPath("stdout"), bytes.subarray(0, 3));
    await collect();
    fs.appendFileSync(logs.rawPath("stdout"), bytes.subarray(3));
    expect(await collect()).toEqual(["naïve ✓"]);
  });
});
