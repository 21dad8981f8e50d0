import fs from "node:fs/promises";
import type { Clock } from "../../lib/clock";

export type OutputLogBudget = {
  /** A file is rotated before it would pass this size. */
  maxBytes: number;
  /** Rotated files kept: output.log.1 (newest) … output.log.<keep>. */
  keep: number;
  /** Rotation never discards a file closed less than this long ago. */
  retainMs: number;
};

const NEWLINE = 0x0a;

/**
 * output.log and its rotated files, within a disk budget of (keep + 1) × maxBytes. Rotation
 * discards the oldest file, but not one closed less than `retainMs` ago: an instance that logs
 * faster than that has its further lines refused (the caller counts them and says so) instead of
 * wiping out, in seconds, everything it logged before the flood.
 */
export class OutputLog {
  private size = 0;
  /** When each rotated file got its last line, .1 first; undefined where there is no such file. Files left by an earlier Gantry count as old. */
  private closedAt: Array<number | undefined>;

  constructor(
    readonly path: string,
    private readonly budget: OutputLogBudget,
    private readonly clock: Clock,
  ) {
    this.closedAt = new Array<number | undefined>(budget.keep).fill(undefined);
  }

  async open(): Promise<void> {
    this.size = (await fs.stat(this.path).catch(() => undefined))?.size ?? 0;
    for (let n = 1; n <= this.budget.keep; n++) {
      if (await fs.stat(`${this.path}.${n}`).catch(() => undefined)) this.closedAt[n - 1] = Number.NEGATIVE_INFINITY;
    }
  }

  /** Appends complete lines (bytes ending in a newline), rotating as needed; returns how many bytes at the end it refused. */
  async append(bytes: Buffer): Promise<number> {
    let from = 0;
    while (from < bytes.length) {
      const room = this.budget.maxBytes - this.size;
      let to = from; // up to the last whole line that fits
      if (bytes.length - from <= room) to = bytes.length;
      else if (room > 0) to = bytes.lastIndexOf(NEWLINE, from + room - 1) + 1;
      if (to <= from) {
        if (this.size > 0) {
          if (!(await this.rotate())) return bytes.length - from;
          continue;
        }
        to = bytes.indexOf(NEWLINE, from) + 1; // a line longer than a whole file gets a file of its own
      }
      await fs.appendFile(this.path, bytes.subarray(from, to), { mode: 0o600 });
      this.size += to - from;
      from = to;
    }
    return 0;
  }

  /** Appends a line whatever the budget: Gantry's own note of what it refused (so it may pass maxBytes by that much). */
  async note(line: string): Promise<void> {
    const bytes = Buffer.from(line);
    await fs.appendFile(this.path, bytes, { mode: 0o600 });
    this.size += bytes.length;
  }

  private async rotate(): Promise<boolean> {
    const now = this.clock.now();
    const oldest = this.closedAt[this.budget.keep - 1];
    if (oldest !== undefined && now - oldest < this.budget.retainMs) return false;
    await fs.rm(`${this.path}.${this.budget.keep}`, { force: true });
    for (let n = this.budget.keep - 1; n >= 1; n--) await fs.rename(`${this.path}.${n}`, `${this.path}.${n + 1}`).catch(() => {});
    await fs.rename(this.path, `${this.path}.1`);
    this.closedAt = [now, ...this.closedAt.slice(0, this.budget.keep - 1)];
    this.size = 0;
    return true;
  }
}
