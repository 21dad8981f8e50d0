import { describe, expect, it } from "vitest";
import type { LogLine } from "../contracts/logs";
import { LogMerger, useColour } from "./log-merger";

const line = (at: number, text: string): LogLine => ({ at, stream: "stdout", text });

describe("log merger", () => {
  it("interleaves instances by time, each line prefixed with its instance", () => {
    const merger = new LogMerger({ windowMs: 300, colour: false });
    merger.add("api-a", [line(1, "a1"), line(4, "a4")], 0);
    merger.add("api-bb", [line(2, "b2"), line(3, "b3")], 0);
    expect(merger.flush(0, true)).toEqual(["api-a  | a1", "api-bb | b2", "api-bb | b3", "api-a  | a4"]);
  });

  it("holds a line for the window so an earlier line of another instance arriving later goes first", () => {
    const merger = new LogMerger({ windowMs: 300, colour: false });
    merger.add("a", [line(1000, "late-stamped")], 0);
    expect(merger.flush(100)).toEqual([]);
    merger.add("b", [line(990, "earlier")], 150);
    expect(merger.flush(300)).toEqual(["b | earlier", "a | late-stamped"]);
    expect(merger.flush(1000)).toEqual([]);
  });

  it("releases by arrival, not by the server's clock", () => {
    const merger = new LogMerger({ windowMs: 300, colour: false });
    // Stamped far in the future by a skewed server: still printed once the window has passed locally.
    merger.add("a", [line(10_000_000, "skewed")], 0);
    expect(merger.flush(299)).toEqual([]);
    expect(merger.flush(300)).toEqual(["a | skewed"]);
  });

  it("a snapshot after a reconnect prints only lines not printed yet", () => {
    const merger = new LogMerger({ windowMs: 0, colour: false });
    merger.add("a", [line(1, "one"), line(2, "two")], 0);
    merger.flush(0, true);
    merger.add("a", [line(1, "one"), line(2, "two"), line(2, "two-bis"), line(3, "three")], 10);
    expect(merger.flush(10, true)).toEqual(["a | two-bis", "a | three"]);
  });

  it("colours each instance's prefix differently, and strips a trailing newline", () => {
    const merger = new LogMerger({ windowMs: 0, colour: true });
    merger.add("a", [line(1, "x\n")], 0);
    merger.add("b", [line(2, "y")], 0);
    const [first, second] = merger.flush(0, true);
    expect(first).toBe("\x1b[36ma |\x1b[0m x");
    expect(second).toBe("\x1b[35mb |\x1b[0m y");
  });

  it("colours only a terminal, and never with NO_COLOR", () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColour({ isTTY: false }, {})).toBe(false);
    expect(useColour({}, {})).toBe(false);
  });
});
