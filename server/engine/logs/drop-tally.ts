import type { LogStream } from "../../contracts/logs";
import type { OutputLogBudget } from "./output-log";

/** Lines of one stream that could not be kept, dropped between `since` and `until` (clock ms). */
export type DropReport = { stream: LogStream; lines: number; bytes: number; since: number; until: number };

/** While dropping goes on, what was dropped is reported at least this often. */
export const REPORT_EVERY_MS = 10_000;

/**
 * Counts the lines each stream had refused, and says when to report them: once dropping stops
 * (a collection step keeps all it reads), every REPORT_EVERY_MS while it goes on, and at the final
 * step. A flood thus costs a counter update per chunk, and a report now and then, not a note per chunk.
 */
export class DropTally {
  private readonly open = new Map<LogStream, DropReport>();
  private readonly droppedThisStep = new Set<LogStream>();

  add(stream: LogStream, lines: number, bytes: number, at: number): void {
    const report = this.open.get(stream);
    if (report) {
      report.lines += lines;
      report.bytes += bytes;
      report.until = at;
    } else this.open.set(stream, { stream, lines, bytes, since: at, until: at });
    this.droppedThisStep.add(stream);
  }

  /** Ends a collection step: returns the reports now due, and forgets them. */
  endStep(now: number, final: boolean): DropReport[] {
    const due: DropReport[] = [];
    for (const [stream, report] of this.open) {
      if (final || !this.droppedThisStep.has(stream) || now - report.since >= REPORT_EVERY_MS) {
        due.push(report);
        this.open.delete(stream);
      }
    }
    this.droppedThisStep.clear();
    return due;
  }
}

const MiB = 1024 * 1024;

/** "dropped 12 lines (345 bytes) of stdout from … to …: …", for the note in output.log and the event. */
export function describeDrop(report: DropReport, budget: OutputLogBudget): string {
  const when = (ms: number) => new Date(ms).toISOString();
  return (
    `dropped ${report.lines} lines (${report.bytes} bytes) of ${report.stream} from ${when(report.since)} to ${when(report.until)}: ` +
    `logged faster than the log files may turn over (${budget.keep + 1} files of ${budget.maxBytes / MiB} MiB, none discarded within ${budget.retainMs / 1000} s of its last line)`
  );
}
