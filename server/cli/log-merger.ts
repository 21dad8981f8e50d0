import type { LogLine } from "../contracts/logs";
import type { Environment } from "./context";

/** Distinct, readable on dark and light terminals: cyan, magenta, yellow, green, blue, red, then bright ones. */
const PALETTE = [36, 35, 33, 32, 34, 31, 96, 95, 93, 92, 94, 91];

export type ColourMode = boolean;

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export const useColour = (stream: { isTTY?: boolean }, env: Environment) => Boolean(stream.isTTY) && !env.NO_COLOR;

type Pending = { instanceId: string; line: LogLine; arrivedAt: number; seq: number };
type Taken = { at: number; texts: Set<string> };

/**
 * Interleaves the log streams of a service's instances into one, each line prefixed with its instance
 * (coloured per instance). Lines are stamped by Gantry when it read them; streams arrive in batches,
 * so each line is held `windowMs` after it arrives and released in stamp order. Arrival uses the
 * local clock and ordering the server's, so a skewed clock only delays, never reorders.
 *
 * A snapshot that repeats lines already printed (after a reconnect) prints only what is new.
 */
export class LogMerger {
  private readonly pending: Pending[] = [];
  private readonly taken = new Map<string, Taken>();
  private readonly order = new Map<string, number>();
  private seq = 0;
  private width = 0;

  constructor(private readonly options: { windowMs: number; colour: ColourMode }) {}

  /** An instance joins: it gets the next colour and widens the prefix column. */
  addInstance(instanceId: string): void {
    if (this.order.has(instanceId)) return;
    this.order.set(instanceId, this.order.size);
    this.width = Math.max(this.width, instanceId.length);
  }

  add(instanceId: string, lines: readonly LogLine[], now: number): void {
    this.addInstance(instanceId);
    let taken = this.taken.get(instanceId);
    for (const line of lines) {
      if (taken && (line.at < taken.at || (line.at === taken.at && taken.texts.has(line.text)))) continue;
      if (!taken || line.at > taken.at) this.taken.set(instanceId, (taken = { at: line.at, texts: new Set() }));
      taken.texts.add(line.text);
      this.pending.push({ instanceId, line, arrivedAt: now, seq: this.seq++ });
    }
  }

  /** The lines due by `now` (all of them with `all`), formatted, oldest first. */
  flush(now: number, all = false): string[] {
    const due = all ? Infinity : Math.max(-Infinity, ...this.pending.filter((p) => p.arrivedAt <= now - this.options.windowMs).map((p) => p.line.at));
    if (due === -Infinity) return [];
    this.pending.sort((a, b) => a.line.at - b.line.at || a.seq - b.seq);
    const cut = this.pending.findIndex((p) => p.line.at > due);
    const released = this.pending.splice(0, cut === -1 ? this.pending.length : cut);
    return released.map((p) => this.format(p.instanceId, p.line));
  }

  format(instanceId: string, line: LogLine): string {
    const prefix = instanceId.padEnd(this.width);
    const text = line.text.replace(/\r?\n$/, "");
    if (!this.options.colour) return `${prefix} | ${text}`;
    const colour = PALETTE[(this.order.get(instanceId) ?? 0) % PALETTE.length];
    return `\x1b[${colour}m${prefix} |\x1b[0m ${text}`;
  }
}
