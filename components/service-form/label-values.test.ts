import { describe, expect, it } from "vitest";
import { labelsTextOf, toLabelsInput } from "./label-values";

describe("label values", () => {
  it("round-trips labels through the text box", () => {
    const labels = { team: "payments", tier: "edge" };
    expect(toLabelsInput(labelsTextOf(labels))).toEqual({ labels });
    expect(toLabelsInput("")).toEqual({ labels: {} });
  });

  it("says what is wrong with a line, in the form's words", () => {
    expect(toLabelsInput("team")).toEqual({ error: "line 1: expected key=value" });
    expect(toLabelsInput("team=pay ments")).toMatchObject({ error: expect.stringContaining("label values are letters") });
  });
});
