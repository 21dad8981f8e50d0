import { describe, expect, it } from "vitest";
import { DropTally, REPORT_EVERY_MS } from "./drop-tally";

describe("DropTally", () => {
  // Each step: what was dropped (per stream) at `at`, then the reports due at its end.
  const cases: Array<{ name: string; steps: Array<{ at: number; drops?: Array<["stdout" | "stderr", number]>; final?: boolean; due: string[] }> }> = [
    { name: "nothing dropped, nothing to say", steps: [{ at: 0, due: [] }] },
    {
      name: "reported once a step keeps everything",
      steps: [
        { at: 0, drops: [["stdout", 5]], due: [] },
        { at: 250, drops: [["stdout", 5]], due: [] },
        { at: 500, due: ["stdout 10 0-250"] },
      ],
    },
    {
      name: "reported every REPORT_EVERY_MS while dropping goes on",
      steps: [
        { at: 0, drops: [["stdout", 1]], due: [] },
        { at: REPORT_EVERY_MS - 1, drops: [["stdout", 1]], due: [] },
        { at: REPORT_EVERY_MS, drops: [["stdout", 1]], due: [`stdout 3 0-${REPORT_EVERY_MS}`] },
        { at: REPORT_EVERY_MS + 1, drops: [["stdout", 1]], due: [] },
      ],
    },
    {
      name: "each stream on its own",
      steps: [
        { at: 0, drops: [["stdout", 1], ["stderr", 2]], due: [] },
        { at: 1, drops: [["stderr", 2]], due: ["stdout 1 0-0"] },
        { at: 2, due: ["stderr 4 0-1"] },
      ],
    },
    { name: "the final step reports all", steps: [{ at: 0, drops: [["stdout", 1]], final: true, due: ["stdout 1 0-0"] }] },
  ];

  for (const { name, steps } of cases) {
    it(name, () => {
      const tally = new DropTally();
      for (const step of steps) {
        for (const [stream, lines] of step.drops ?? []) tally.add(stream, lines, lines * 10, step.at);
        const due = tally.endStep(step.at, step.final ?? false).map((r) => `${r.stream} ${r.lines} ${r.since}-${r.until}`);
        expect(due).toEqual(step.due);
      }
    });
  }
});
