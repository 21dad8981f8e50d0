import type { LogLine } from "../contracts/logs";
import { LogInterleaver } from "../contracts/log-interleaver";
import type { Environment } from "./context";

/** Distinct, readable on dark and light terminals: cyan, magenta, yellow, green, blue, red, then bright ones. */
const PALETTE = [36, 35, 33, 32, 34, 31, 96, 95, 93, 92, 94, 91];

export type ColourMode = boolean;

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export const useColour = (stream: { isTTY?: boolean }, env: Environment) => Boolean(stream.isTTY) && !env.NO_COLOR;

/**
 * A service's instances' logs as terminal lines: interleaved by time (see LogInterleaver), each
 * prefixed with its instance, coloured per instance.
 */
export class LogMerger {
  private readonly interleaver: LogInterleaver;
  private width = 0;

  constructor(private readonly options: { windowMs: number; colour: ColourMode }) {
    this.interleaver = new LogInterleaver(options.windowMs);
  }

  /** An instance joins: it gets the next colour and widens the prefix column. */
  addInstance(instanceId: string): void {
    this.interleaver.addInstance(instanceId);
    this.width = Math.max(this.width, instanceId.length);
  }

  add(instanceId: string, lines: readonly LogLine[], now: number): void {
    this.addInstance(instanceId);
    this.interleaver.add(instanceId, lines, now);
  }

  /** The lines due by `now` (all of them with `all`), formatted, oldest first. */
  flush(now: number, all = false): string[] {
    return this.interleaver.flush(now, all).map(({ instanceId, line }) => this.format(instanceId, line));
  }

  format(instanceId: string, line: LogLine): string {
    const prefix = instanceId.padEnd(this.width);
    const text = line.text.replace(/\r?\n$/, "");
    if (!this.options.colour) return `${prefix} | ${text}`;
    const colour = PALETTE[this.interleaver.indexOf(instanceId) % PALETTE.length];
    return `\x1b[${colour}m${prefix} |\x1b[0m ${text}`;
  }
}
