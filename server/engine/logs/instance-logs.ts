import fs from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Clock } from "../../lib/clock";

import type { LogLine, LogStream } from "../../contracts/logs";

export type { LogLine, LogStream };

export type InstanceLogsOptions = {
  clock: Clock;
  /** output.log is rotated to output.log.1 … .N past this size. */
  maxBytes?: number;
  keep?: number;
  /** A raw capture file is emptied once this much of it has been consumed. */
  rawTruncateBytes?: number;
};

const STREAMS: LogStream[] = ["stdout", "stderr"];
const MAX_LINE = 16 * 1024;
const POSITIONS_EVERY_MS = 2000;

/**
 * One instance's logs. The process appends raw bytes to `stdout`/`stderr` files it holds itself;
 * Gantry reads what is new, stamps each line with the time it saw it, and appends it to
 * `output.log` (`<ISO time> out|err <text>`), rotated by size. Read offsets are saved in
 * `positions.json`, so after a Gantry crash lines are at worst repeated, never lost.
 */
export class InstanceLogs {
  private readonly offsets: Record<LogStream, number> = { stdout: 0, stderr: 0 };
  private readonly partial: Record<LogStream, string> = { stdout: "", stderr: "" };
  /** Keeps a UTF-8 character split across two reads whole. */
  private readonly decoders: Record<LogStream, StringDecoder> = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  private positionsSavedAt = 0;
  private positionsDirty = false;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly rawTruncateBytes: number;

  constructor(
    readonly dir: string,
    private readonly options: InstanceLogsOptions,
  ) {
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.keep = options.keep ?? 3;
    this.rawTruncateBytes = options.rawTruncateBytes ?? 4 * 1024 * 1024;
  }

  rawPath(stream: LogStream): string {
    return path.join(this.dir, stream);
  }

  get outputPath(): string {
    return path.join(this.dir, "output.log");
  }

  async open(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    try {
      const saved = JSON.parse(await fs.readFile(path.join(this.dir, "positions.json"), "utf8")) as Partial<Record<LogStream, number>>;
      for (const stream of STREAMS) if (Number.isSafeInteger(saved[stream])) this.offsets[stream] = saved[stream]!;
    } catch {
      // first start of this instance, or unreadable positions: read from the beginning
    }
  }

  /** Moves newly written lines into output.log; returns them (for live tails). */
  async collect(flushPartial = false): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    for (const stream of STREAMS) lines.push(...(await this.readNew(stream, flushPartial)));
    if (lines.length > 0) {
      const text = lines.map((l) => `${new Date(l.at).toISOString()} ${l.stream === "stdout" ? "out" : "err"} ${l.text}\n`).join("");
      await fs.appendFile(this.outputPath, text);
      await this.rotateIfLarge();
    }
    const now = this.options.clock.now();
    if (this.positionsDirty && (flushPartial || now - this.positionsSavedAt >= POSITIONS_EVERY_MS)) await this.savePositions(now);
    return lines;
  }

  private async readNew(stream: LogStream, flushPartial: boolean): Promise<LogLine[]> {
    const file = await fs.open(this.rawPath(stream), "r+").catch(() => undefined);
    if (!file) return [];
    try {
      const { size } = await file.stat();
      if (size < this.offsets[stream]) this.offsets[stream] = 0; // truncated behind our back
      const length = size - this.offsets[stream];
      let chunk = "";
      if (length > 0) {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await file.read(buffer, 0, length, this.offsets[stream]);
        this.offsets[stream] += bytesRead;
        this.positionsDirty = true;
        chunk = this.decoders[stream].write(buffer.subarray(0, bytesRead));
      }
      if (this.offsets[stream] >= this.rawTruncateBytes && this.offsets[stream] === size) {
        await file.truncate(0); // the process appends (O_APPEND), so it carries on at the new end
        this.offsets[stream] = 0;
      }
      return this.split(stream, this.partial[stream] + chunk, flushPartial);
    } finally {
      await file.close();
    }
  }

  private split(stream: LogStream, text: string, flushPartial: boolean): LogLine[] {
    const at = this.options.clock.now();
    const pieces = text.split("\n");
    let rest = pieces.pop() ?? "";
    const lines = pieces.map((piece) => ({ at, stream, text: piece.replace(/\r$/, "") }));
    while (rest.length > MAX_LINE) {
      lines.push({ at, stream, text: rest.slice(0, MAX_LINE) });
      rest = rest.slice(MAX_LINE);
    }
    if (flushPartial && rest !== "") {
      lines.push({ at, stream, text: rest });
      rest = "";
    }
    this.partial[stream] = rest;
    return lines;
  }

  private async rotateIfLarge(): Promise<void> {
    const stat = await fs.stat(this.outputPath).catch(() => undefined);
    if (!stat || stat.size < this.maxBytes) return;
    await fs.rm(`${this.outputPath}.${this.keep}`, { force: true });
    for (let n = this.keep - 1; n >= 1; n--) await fs.rename(`${this.outputPath}.${n}`, `${this.outputPath}.${n + 1}`).catch(() => {});
    await fs.rename(this.outputPath, `${this.outputPath}.1`);
  }

  private async savePositions(now: number): Promise<void> {
    const file = path.join(this.dir, "positions.json");
    await fs.writeFile(`${file}.tmp`, JSON.stringify(this.offsets));
    await fs.rename(`${file}.tmp`, file);
    this.positionsSavedAt = now;
    this.positionsDirty = false;
  }
}
