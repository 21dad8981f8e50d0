import type { LogLine } from "./logs";

type Pending = { instanceId: string; line: LogLine; arrivedAt: number; seq: number };
type Taken = { at: number; texts: Set<string> };

/** A line of a service's stream: which instance printed it. */
export type TaggedLine = { instanceId: string; line: LogLine };

/**
 * Interleaves the log streams of a service's instances into one, by time (the CLI's `gantry logs -f`
 * and the dashboard's service log). Lines are stamped by Gantry when it read them; streams arrive in
 * batches, so each line is held `windowMs` after it arrives and released in stamp order. Arrival uses
 * the local clock and ordering the server's, so a skewed clock only delays, never reorders.
 *
 * A snapshot that repeats lines already taken (after a reconnect) adds only what is new.
 */
export class LogInterleaver {
  private readonly pending: Pending[] = [];
  private readonly taken = new Map<string, Taken>();
  private readonly order = new Map<string, number>();
  private seq = 0;

  constructor(private readonly windowMs: number) {}

  /** An instance joins; the order instances joined in gives each its colour. */
  addInstance(instanceId: string): void {
    if (!this.order.has(instanceId)) this.order.set(instanceId, this.order.size);
  }

  /** Which instance joined when: 0 for the first. */
  indexOf(instanceId: string): number {
    return this.order.get(instanceId) ?? 0;
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

  /** The lines due by `now` (all of them with `all`), oldest first. */
  flush(now: number, all = false): TaggedLine[] {
    const due = all ? Infinity : Math.max(-Infinity, ...this.pending.filter((p) => p.arrivedAt <= now - this.windowMs).map((p) => p.line.at));
    if (due === -Infinity) return [];
    this.pending.sort((a, b) => a.line.at - b.line.at || a.seq - b.seq);
    const cut = this.pending.findIndex((p) => p.line.at > due);
    const released = this.pending.splice(0, cut === -1 ? this.pending.length : cut);
    return released.map(({ instanceId, line }) => ({ instanceId, line }));
  }
}
