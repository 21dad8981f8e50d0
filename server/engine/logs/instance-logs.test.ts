import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/manual-clock";
import { tempDir } from "../../testing/gantry";
import { InstanceLogs } from "./instance-logs";

const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
const iso = new Date(clock.now()).toISOString();

describe("InstanceLogs", () => {
  it("stamps complete lines of both streams into output.log and keeps a partial line for later", async () => {
    const logs = new InstanceLogs(`${tempDir("logs")}/web-1`, { clock });
    await logs.open();
    fs.appendFileSync(logs.rawPath("stdout"), "hello\r\nwor");
    fs.appendFileSync(logs.rawPath("stderr"), "oops\n");
    expect((await logs.collect()).map((l) => [l.stream, l.text])).toEqual([
      ["stdout", "hello"],
      ["stderr", "oops"],
    ]);
    fs.appendFileSync(logs.rawPath("stdout"), "ld\nno newline");
    expect((await logs.collect()).map((l) => l.text)).toEqual(["world"]);
    expect((await logs.collect(true)).map((l) => l.text)).toEqual(["no newline"]);
    expect(fs.readFileSync(logs.outputPath, "utf8")).toBe(`${iso} out hello\n${iso} err oops\n${iso} out world\n${iso} out no newline\n`);
  });

  it("resumes from saved positions after a restart instead of repeating lines", async () => {
    const dir = `${tempDir("logs")}/api-1`;
    const first = new InstanceLogs(dir, { clock });
    await first.open();
    fs.appendFileSync(first.rawPath("stdout"), "one\ntwo\n");
    await first.collect(true);
    fs.appendFileSync(first.rawPath("stdout"), "three\n");
    const second = new InstanceLogs(dir, { clock });
    await second.open();
    expect((await second.collect()).map((l) => l.text)).toEqual(["three"]);
  });

  it("rotates output.log by size and empties raw files once consumed past the threshold", async () => {
    const logs = new InstanceLogs(`${tempDir("logs")}/big-1`, { clock, maxBytes: 200, keep: 2, rawTruncateBytes: 100 });
    await logs.open();
    for (let round = 0; round < 4; round++) {
      fs.appendFileSync(logs.rawPath("stdout"), `${"x".repeat(60)}\n`.repeat(2));
      await logs.collect();
    }
    expect(fs.statSync(logs.rawPath("stdout")).size).toBe(0);
    expect(fs.existsSync(`${logs.outputPath}.1`)).toBe(true);
    expect(fs.existsSync(`${logs.outputPath}.2`)).toBe(true);
    expect(fs.existsSync(`${logs.outputPath}.3`)).toBe(false);
    fs.appendFileSync(logs.rawPath("stdout"), "after truncation\n");
    expect((await logs.collect()).map((l) => l.text)).toEqual(["after truncation"]);
  });
});

describe("InstanceLogs with multi-byte text", () => {
  it("keeps a UTF-8 character that is split between two writes intact", async () => {
    const logs = new InstanceLogs(`${tempDir("logs")}/utf-1`, { clock });
    await logs.open();
    const bytes = Buffer.from("naïve ✓\n");
    fs.appendFileSync(logs.rawPath("stdout"), bytes.subarray(0, 3));
    await logs.collect();
    fs.appendFileSync(logs.rawPath("stdout"), bytes.subarray(3));
    expect((await logs.collect()).map((l) => l.text)).toEqual(["naïve ✓"]);
  });
});
