// npm run bench:logs — how fast the log collector turns an instance's raw output into output.log
// (stamping, rotating, handing lines to live tails), against `cat` of the same file to /dev/null in
// the same run; for typical lines, short lines (`seq`), and a flood past the disk budget (counted, not kept).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { systemClock } from "../server/lib/clock";
import { InstanceLogs, type InstanceLogsOptions } from "../server/engine/logs/instance-logs";
import { saveResults } from "./gantry-process";

const LINES = Number(process.env.BENCH_LINES ?? 3_000_000);
const MiB = 1024 * 1024;

type Case = { name: string; line: (i: number) => string; budget: InstanceLogsOptions["budget"] };

const cases: Case[] = [
  {
    name: "typical lines (~100 B), rotating 10 MiB files",
    line: (i) => `${new Date(1_800_000_000_000 + i).toISOString()} INFO request id=${i.toString(16).padStart(8, "0")} GET /api/orders/${i % 997} status=200 in ${i % 50} ms`,
    budget: { maxBytes: 10 * MiB, keep: 3, retainMs: 0 },
  },
  { name: "short lines (seq), rotating 10 MiB files", line: (i) => String(i + 1), budget: { maxBytes: 10 * MiB, keep: 3, retainMs: 0 } },
  { name: "typical lines, flood past the default budget (40 MiB kept, the rest counted)", line: (i) => `INFO request ${i} GET /api/orders/${i % 997} status=200 in ${i % 50} ms`, budget: undefined },
];

function writeLines(file: string, line: (i: number) => string): number {
  const fd = fs.openSync(file, "w");
  const batch = 10_000;
  for (let from = 0; from < LINES; from += batch) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(LINES, from + batch); i++) lines.push(line(i));
    fs.writeSync(fd, `${lines.join("\n")}\n`);
  }
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

function timeCat(file: string): number {
  const started = performance.now();
  execFileSync("sh", ["-c", 'cat "$1" > /dev/null', "sh", file]);
  return (performance.now() - started) / 1000;
}

async function run(benchCase: Case) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-bench-logs-"));
  const input = path.join(dir, "input");
  const bytes = writeLines(input, benchCase.line);
  timeCat(input); // both read it from the page cache
  const catSeconds = timeCat(input);

  let linesToTails = 0;
  let droppedLines = 0;
  const logs = new InstanceLogs(path.join(dir, "instance"), {
    clock: systemClock,
    budget: benchCase.budget,
    onLines: (lines) => (linesToTails += lines.length),
    onDropped: (report) => (droppedLines += report.lines),
  });
  await logs.open();
  fs.renameSync(input, logs.rawPath("stdout")); // as if the instance had just written it all
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  await logs.collect(true);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  fs.rmSync(dir, { recursive: true, force: true });

  const kept = linesToTails - (droppedLines > 0 ? 1 : 0); // the drop note reaches tails too
  return {
    case: benchCase.name,
    lines: LINES,
    inputMiB: bytes / MiB,
    collector: { seconds, linesPerSecond: LINES / seconds, mibPerSecond: bytes / MiB / seconds, keptLines: kept, droppedLines, peakRssGrowthMiB: (peakRss - rssBefore) / MiB },
    cat: { seconds: catSeconds, linesPerSecond: LINES / catSeconds, mibPerSecond: bytes / MiB / catSeconds },
  };
}

const results = [];
for (const benchCase of cases) {
  const result = await run(benchCase);
  results.push(result);
  const { collector, cat } = result;
  console.log(`${result.case}: ${result.lines} lines, ${result.inputMiB.toFixed(1)} MiB`);
  console.log(
    `  collector: ${(collector.linesPerSecond / 1e6).toFixed(2)} M lines/s, ${collector.mibPerSecond.toFixed(0)} MiB/s (${collector.seconds.toFixed(2)} s; kept ${collector.keptLines}, dropped ${collector.droppedLines}; peak RSS +${collector.peakRssGrowthMiB.toFixed(0)} MiB)`,
  );
  console.log(`  cat > /dev/null: ${(cat.linesPerSecond / 1e6).toFixed(2)} M lines/s, ${cat.mibPerSecond.toFixed(0)} MiB/s (${cat.seconds.toFixed(3)} s)`);
  console.log(`  collector / cat: ${((collector.mibPerSecond / cat.mibPerSecond) * 100).toFixed(1)}%`);
}
console.log(`results: ${saveResults("logs", results)}`);
