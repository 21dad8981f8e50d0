import { describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/manual-clock";
import { IntegrationHealth } from "./integration";

describe("an integration's health", () => {
  it("is connecting until its first success, failing after an error, and keeps the last error after it recovers", async () => {
    const clock = new ManualClock(Date.parse("2026-12-01T10:00:00Z"));
    const health = new IntegrationHealth("etcd", "http://127.0.0.1:2379", clock);
    expect(health.status("0 keys")).toEqual({ kind: "etcd", target: "http://127.0.0.1:2379", state: "connecting", detail: "0 keys", lastActivityAt: null, lastError: null });

    await clock.advance(1000);
    health.failed(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:2379") }));
    expect(health.status("0 keys")).toMatchObject({ state: "failing", lastError: { message: "fetch failed: connect ECONNREFUSED 127.0.0.1:2379", at: "2026-12-01T10:00:01.000Z" } });

    await clock.advance(1000);
    health.succeeded();
    expect(health.status("2 keys")).toMatchObject({ state: "connected", detail: "2 keys", lastActivityAt: "2026-12-01T10:00:02.000Z", lastError: { at: "2026-12-01T10:00:01.000Z" } });
  });
});
