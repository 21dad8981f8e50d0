import { describe, expect, it } from "vitest";
import { alertRuleSpec } from "@/server/contracts/alerts";
import { ruleCondition } from "./rule-condition";

describe("a rule's condition in words", () => {
  it.each([
    [{ kind: "error-rate", name: "e", thresholdPercent: 5 }, "5xx > 5 % over 60 s"],
    [{ kind: "latency-p95", name: "p", thresholdMs: 800, windowSeconds: 30 }, "p95 > 800 ms over 30 s"],
    [{ kind: "restarts", name: "r", count: 3 }, "> 3 crash restarts in 10 min"],
    [{ kind: "service-down", name: "d" }, "no instance ready"],
  ])("%o reads %s", (raw, words) => {
    expect(ruleCondition(alertRuleSpec.parse(raw))).toBe(words);
  });
});
