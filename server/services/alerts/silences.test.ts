import { describe, expect, it } from "vitest";
import { silenceFor } from "./silences";

const T = Date.UTC(2026, 0, 1);
const until = (ms: number) => new Date(T + ms).toISOString();

describe("silences", () => {
  const silences = [
    { id: "rule-only", ruleName: "service-down", serviceName: null, endsAt: until(60_000) },
    { id: "service-only", ruleName: null, serviceName: "api", endsAt: until(60_000) },
    { id: "both", ruleName: "high-error-rate", serviceName: "web", endsAt: until(60_000) },
  ];

  it("mute alerts matching every field they name", () => {
    expect(silenceFor({ ruleName: "service-down", serviceName: "web" }, silences, T)?.id).toBe("rule-only");
    expect(silenceFor({ ruleName: "slow-responses", serviceName: "api" }, silences, T)?.id).toBe("service-only");
    expect(silenceFor({ ruleName: "high-error-rate", serviceName: "web" }, silences, T)?.id).toBe("both");
    expect(silenceFor({ ruleName: "high-error-rate", serviceName: "users" }, silences, T)).toBeUndefined();
  });

  it("end at their end time", () => {
    expect(silenceFor({ ruleName: "service-down", serviceName: "web" }, silences, T + 59_999)?.id).toBe("rule-only");
    expect(silenceFor({ ruleName: "service-down", serviceName: "web" }, silences, T + 60_000)).toBeUndefined();
  });
});
