import { describe, expect, it } from "vitest";
import { strategyDraftOf, toStrategyInput } from "./strategy-values";

describe("rollout strategy in the form", () => {
  it("round-trips the defaults", () => {
    expect(toStrategyInput(strategyDraftOf())).toEqual({ strategy: { maxSurge: 1, maxUnavailable: 0, progressDeadlineSeconds: 120, autoRollback: false, minReadySeconds: 0 } });
  });

  it("names the field at fault, with the server's words", () => {
    expect(toStrategyInput({ ...strategyDraftOf(), maxSurge: "0" })).toEqual({ errors: { "strategy.maxSurge": "max surge and max unavailable can't both be 0: no instance could ever be replaced" } });
    expect(toStrategyInput({ ...strategyDraftOf(), progressDeadlineSeconds: "" })).toEqual({ errors: { "strategy.progressDeadlineSeconds": "a number is required" } });
    expect(toStrategyInput({ ...strategyDraftOf(), maxUnavailable: "1.5" })).toEqual({ errors: { "strategy.maxUnavailable": "max unavailable must be a whole number" } });
  });
});
