import { describe, expect, it } from "vitest";
import { advance, RESOLVED_RETENTION_MS, type AlertTimes } from "./state-machine";

const T = 1_000_000;
const pending = (activeAt: number): AlertTimes => ({ state: "pending", activeAt, firedAt: null, resolvedAt: null });
const firing = (activeAt: number, firedAt: number): AlertTimes => ({ state: "firing", activeAt, firedAt, resolvedAt: null });
const resolved = (activeAt: number, firedAt: number, resolvedAt: number): AlertTimes => ({ state: "resolved", activeAt, firedAt, resolvedAt });

describe("an alert's states (Prometheus' pending → firing → resolved)", () => {
  it.each([
    ["a condition that starts holding is pending until `for` has passed", undefined, true, 30_000, T, pending(T), undefined],
    ["with `for` 0 it fires at once", undefined, true, 0, T, firing(T, T), "firing"],
    ["pending stays pending just short of `for`", pending(T), true, 30_000, T + 29_999, pending(T), undefined],
    ["pending fires once the condition has held for `for`", pending(T), true, 30_000, T + 30_000, firing(T, T + 30_000), "firing"],
    ["pending whose condition stops holding is dropped without a word", pending(T), false, 30_000, T + 10_000, undefined, undefined],
    ["firing stays firing (no second notification)", firing(T, T + 30_000), true, 30_000, T + 60_000, firing(T, T + 30_000), undefined],
    ["firing resolves when the condition stops holding", firing(T, T + 30_000), false, 30_000, T + 60_000, resolved(T, T + 30_000, T + 60_000), "resolved"],
    ["resolved stays listed for a while", resolved(T, T + 1, T + 2), false, 30_000, T + 2 + RESOLVED_RETENTION_MS - 1, resolved(T, T + 1, T + 2), undefined],
    ["resolved is forgotten after the retention", resolved(T, T + 1, T + 2), false, 30_000, T + 2 + RESOLVED_RETENTION_MS, undefined, undefined],
    ["resolved that holds again starts over as pending", resolved(T, T + 1, T + 2), true, 30_000, T + 100, pending(T + 100), undefined],
    ["nothing, and nothing holds: nothing", undefined, false, 30_000, T, undefined, undefined],
  ] as const)("%s", (_name, current, holds, forMs, now, next, transition) => {
    expect(advance(current, holds, forMs, now)).toEqual({ next, transition });
  });
});
