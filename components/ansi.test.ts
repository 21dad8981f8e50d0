import { describe, expect, it } from "vitest";
import { parseAnsi, stripAnsi } from "./ansi";

describe("parseAnsi", () => {
  it("styles text by SGR codes and resets them", () => {
    expect(parseAnsi("plain \u001b[1;31mERROR\u001b[0m done")).toEqual([
      { text: "plain " },
      { text: "ERROR", bold: true, color: "#ef4444" },
      { text: " done" },
    ]);
  });

  it("handles bright colours, backgrounds and default resets", () => {
    expect(parseAnsi("\u001b[92;41mok\u001b[39mx\u001b[49my")).toEqual([
      { text: "ok", color: "#4ade80", background: "#ef4444" },
      { text: "x", color: undefined, background: "#ef4444" },
      { text: "y", color: undefined, background: undefined },
    ]);
  });

  it("drops other escape sequences and strips everything for search", () => {
    expect(parseAnsi("\u001b[2Kclear\u001b[m")).toEqual([{ text: "clear" }]);
    expect(stripAnsi("\u001b[33mwarn\u001b[0m: disk")).toBe("warn: disk");
  });
});
