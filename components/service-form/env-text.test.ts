import { describe, expect, it } from "vitest";
import { parseEnvText } from "./env-text";

describe("parseEnvText", () => {
  it("reads KEY=value lines, keeping '=' in values and skipping comments", () => {
    expect(parseEnvText("# db\nDB_URL=postgres://x?a=b\n\nMODE = fast\nEMPTY=")).toEqual({
      env: { DB_URL: "postgres://x?a=b", MODE: " fast", EMPTY: "" },
    });
  });

  it.each([
    ["novalue", "line 1: expected KEY=value"],
    ["A=1\n=2", "line 2: expected KEY=value"],
    ["A=1\nA=2", "line 2: A is set twice"],
  ])("points at the bad line in %j", (text, error) => {
    expect(parseEnvText(text)).toEqual({ error });
  });
});
