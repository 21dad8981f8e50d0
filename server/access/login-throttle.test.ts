import { describe, expect, it } from "vitest";
import { ManualClock } from "../lib/manual-clock";
import { LoginThrottle } from "./login-throttle";

const options = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, forgetAfterMs: 60_000, maxKeys: 100 };

describe("login throttle", () => {
  it("lets the free failures through, then doubles the wait with each failure up to the cap", () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock, options);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      throttle.failed("ana");
      waits.push(throttle.retryAfter("ana"));
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000]);
    throttle.failed("ana");
    expect(throttle.retryAfter("ana")).toBe(8000);
  });

  it("counts the wait down with the clock, and a success starts the key over", () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock, options);
    for (let i = 0; i < 5; i++) throttle.failed("ana");
    expect(throttle.retryAfter("ana")).toBe(2000);
    clock.jump(1500);
    expect(throttle.retryAfter("ana")).toBe(500);
    clock.jump(500);
    expect(throttle.retryAfter("ana")).toBe(0);
    throttle.succeeded("ana");
    throttle.failed("ana");
    expect(throttle.retryAfter("ana")).toBe(0);
  });

  it("keeps keys apart and forgets one after a quiet spell", () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock, options);
    for (let i = 0; i < 4; i++) throttle.failed("ana");
    expect(throttle.retryAfter("bob")).toBe(0);
    clock.jump(60_001);
    throttle.failed("ana");
    expect(throttle.retryAfter("ana")).toBe(0); // first failure of a new spell
  });

  it("holds at most maxKeys, dropping the stalest, so a flood of made-up names can't grow memory", () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock, { ...options, maxKeys: 100 });
    for (let i = 0; i < 4; i++) throttle.failed("victim");
    for (let i = 0; i < 10_000; i++) {
      clock.jump(1);
      throttle.failed(`made-up-${i}`);
    }
    expect(throttle.size()).toBe(100);
  });
});
