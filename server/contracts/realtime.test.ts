import { describe, expect, it } from "vitest";
import { FIXED_TOPICS, topicName } from "./realtime";

describe("realtime topic names", () => {
  it("accepts every fixed topic, a service's metrics and an instance's log", () => {
    expect(FIXED_TOPICS).toEqual(["topology", "events", "instances", "catalog", "metrics", "loadgen", "rollouts"]);
    for (const topic of [...FIXED_TOPICS, "metrics:0b5f1f3e-8c1a-4c7e-9a51-3f1d2b7c9e00", "logs:api-1"]) expect(topicName.parse(topic)).toBe(topic);
  });

  it.each(["nope", "metrics:", "metrics:not-a-uuid", "logs:", "logs:Api", "topology ", "events|x"])("refuses %j", (topic) => {
    expect(topicName.safeParse(topic).error?.issues[0]?.message).toBe("unknown topic");
  });
});
