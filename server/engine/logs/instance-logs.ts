import { mkdirSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../../lib/clock";
import type { LogLine, LogStream } from "../../contracts/logs";
import { describeDrop, DropTally, type DropReport } from "./drop-tally";
import { OutputLog, type OutputLogBudget } from "./output-log";
import { RawStream } from "./raw-stream";

export type { LogLine, LogStream };

export type InstanceLogsOptions = {
  clock: Clock;
  budget?: Partial<OutputLogBudget>;
  /** A raw capture file is emptied once this much of it has been consumed. */
  rawTruncateBytes?: number;
  /** Lines as they are kept, a chunk at a time (live tails). */
  onLines?: (lines: LogLine[]) => void;
  /** Lines that could not be kept, once output.log says so. */
  onDropped?: (report: DropReport) => void;
};

/** 40 MiB per instance, and a flood may not turn it over in less than 30 s. */
export const DEFAULT_LOG_BUDGET: OutputLogBudget = { maxBytes: 10 * 1024 * 1024, keep: 3, retainMs: 30_000 };

const STREAMS: LogStream[] = ["stdout", "stderr"];
const TAG: Record<LogStream, string> = { stdout: "out", stderr: "err" };
const POSITIONS_EVERY_MS = 2000;
const NEWLINE = 0x0a;

/** `<ISO time> out|err `: what output.log puts before each line. */
const stamp = (at: number, stream: LogStream) => `${new Date(at).toISOString()} ${TAG[stream]} `;

/**
 * One instance's logs. The process appends raw bytes to `stdout`/`stderr` files it holds itself;
 * Gantry reads what is new, in bounded chunks, stamps each line with the time it saw it, and appends
 * it to `output.log` (`<ISO time> out|err <text>`), rotated within a disk budget. What the budget
 * can't take is counted and said in output.log (a `gantry: dropped …` line) and to `onDropped`, never
 * lost silently. Read offsets are saved in `positions.json`, so after a Gantry crash lines are at
 * worst repeated, never lost.
 */
export class InstanceLogs {
  readonly budget: OutputLogBudget;
  private readonly raw: Record<LogStream, RawStream>;
  private readonly output: OutputLog;
  private readonly drops = new DropTally();
  private positionsSavedAt = 0;
  private positionsDirty = false;
  private collecting = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly options: InstanceLogsOptions,
  ) {
    this.budget = { ...DEFAULT_LOG_BUDGET, ...options.budget };
    const rawStream = (stream: LogStream) =>
      new RawStream(this.rawPath(stream), { afterBytes: options.rawTruncateBytes ?? 4 * 1024 * 1024, before: () => this.savePositions({ [stream]: 0 }) });
    this.raw = { stdout: rawStream("stdout"), stderr: rawStream("stderr") };
    this.output = new OutputLog(path.join(dir, "output.log"), this.budget, options.clock);
  }

  rawPath(stream: LogStream): string {
    return path.join(this.dir, stream);
  }

  get outputPath(): string {
    return this.output.path;
  }

  async open(): Promise<void> {
    // A folder just made holds nothing to pick up, and a new instance's spawn waits for this: made
    // at once (as the driver opens the log files), not through libuv's thread pool, where each
    // file operation queues behind the others (tens of ms on a busy machine).
    if (mkdirSync(this.dir, { recursive: true, mode: 0o700 }) !== undefined) return;
    try {
      const saved = JSON.parse(await fs.readFile(this.positionsPath, "utf8")) as Partial<Record<LogStream, number>>;
      for (const stream of STREAMS) if (Number.isSafeInteger(saved[stream])) this.raw[stream].offset = saved[stream]!;
    } catch {
      // first start of this instance, or unreadable positions: read from the beginning
    }
    await this.output.open();
  }

  /**
   * Moves newly written lines into output.log. `final` also takes a last line without newline, and
   * reports every drop. Calls run one after the other (the timer's and a stopping instance's last one).
   */
  collect(final = false): Promise<void> {
    const run = this.collecting.then(() => this.collectNow(final));
    this.collecting = run.catch(() => {}); // the caller hears of the failure; the next call runs anyway
    return run;
  }

  private async collectNow(final: boolean): Promise<void> {
    for (const stream of STREAMS) {
      if (await this.raw[stream].read(final, (texts) => this.keep(stream, texts))) this.positionsDirty = true;
    }
    const now = this.options.clock.now();
    for (const report of this.drops.endStep(now, final)) await this.report(report);
    if (this.positionsDirty && (final || now - this.positionsSavedAt >= POSITIONS_EVERY_MS)) await this.savePositions();
  }

  /** One chunk of lines into output.log: as many as the budget takes, the rest counted as dropped. */
  private async keep(stream: LogStream, texts: string[]): Promise<void> {
    const at = this.options.clock.now();
    const prefix = stamp(at, stream);
    const bytes = Buffer.from(`${prefix}${texts.join(`\n${prefix}`)}\n`);
    const refused = await this.output.append(bytes);
    let kept = texts.length;
    if (refused > 0) {
      const dropped = countNewlines(bytes, bytes.length - refused);
      kept -= dropped;
      this.drops.add(stream, dropped, refused - dropped * prefix.length, at);
    }
    if (kept > 0 && this.options.onLines) this.options.onLines(texts.slice(0, kept).map((text) => ({ at, stream, text })));
  }

  private async report(drop: DropReport): Promise<void> {
    const at = this.options.clock.now();
    const text = `gantry: ${describeDrop(drop, this.budget)}`;
    await this.output.note(`${stamp(at, drop.stream)}${text}\n`);
    this.options.onLines?.([{ at, stream: drop.stream, text }]);
    this.options.onDropped?.(drop);
  }

  private get positionsPath(): string {
    return path.join(this.dir, "positions.json");
  }

  /** Saves the read offsets, or (ahead of a change) some that differ from them, which leaves the saved ones due again. */
  private async savePositions(ahead?: Partial<Record<LogStream, number>>): Promise<void> {
    const offsets: Record<LogStream, number> = { stdout: this.raw.stdout.offset, stderr: this.raw.stderr.offset, ...ahead };
    await fs.writeFile(`${this.positionsPath}.tmp`, JSON.stringify(offsets), { mode: 0o600 });
    await fs.rename(`${this.positionsPath}.tmp`, this.positionsPath);
    this.positionsSavedAt = this.options.clock.now();
    this.positionsDirty = ahead !== undefined;
  }
}

function countNewlines(bytes: Buffer, from: number): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE, from); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}
