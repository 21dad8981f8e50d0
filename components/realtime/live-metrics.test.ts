import { describe, expect, it } from "vitest";
import { appendRecent, RecentSeriesStore, type RecentSeries } from "./live-metrics";

describe("recent series", () => {
  it("appends each second's points and forgets those older than the window", () => {
    let state: RecentSeries = { "service:a": [{ at: 1000, rps: 1 }] };
    state = appendRecent(state, { at: 2000, points: { "service:a": { at: 2000, rps: 2 }, "edge:e": { at: 2000, rps: 5 } } }, 1500);
    expect(state).toEqual({ "service:a": [{ at: 1000, rps: 1 }, { at: 2000, rps: 2 }], "edge:e": [{ at: 2000, rps: 5 }] });
    state = appendRecent(state, { at: 3000, points: { "service:a": { at: 3000, rps: 3 } } }, 1500);
    expect(state).toEqual({ "service:a": [{ at: 2000, rps: 2 }, { at: 3000, rps: 3 }], "edge:e": [{ at: 2000, rps: 5 }] });
  });

  it("drops a series that has gone quiet for the whole window (a deleted service)", () => {
    const state = appendRecent({ "service:gone": [{ at: 1000, rps: 1 }] }, { at: 5000, points: {} }, 1500);
    expect(state).toEqual({});
  });
});

describe("the recent series store", () => {
  it("tells a view only about ticks that changed its own series", () => {
    const store = new RecentSeriesStore();
    const heard: string[] = [];
    store.subscribe("service:a", () => heard.push("a"));
    store.subscribe("edge:e", () => heard.push("e"));
    store.reset({ "service:a": [{ at: 1000, rps: 1 }], "edge:e": [{ at: 1000, rps: 5 }] });
    expect(heard).toEqual(["a", "e"]);

    heard.length = 0;
    store.append({ at: 2000, points: { "service:a": { at: 2000, rps: 2 } } });
    expect(heard).toEqual(["a"]);
    expect(store.get("service:a")).toEqual([{ at: 1000, rps: 1 }, { at: 2000, rps: 2 }]);
    expect(store.get("edge:e")).toEqual([{ at: 1000, rps: 5 }]);
  });

  it("stops telling a view that unsubscribed", () => {
    const store = new RecentSeriesStore();
    let heard = 0;
    const unsubscribe = store.subscribe("service:a", () => heard++);
    unsubscribe();
    store.append({ at: 2000, points: { "service:a": { at: 2000, rps: 2 } } });
    expect(heard).toBe(0);
  });

  it("tells a view of every series once per tick, until it unsubscribes", () => {
    const store = new RecentSeriesStore();
    let heard = 0;
    const unsubscribe = store.subscribeAll(() => heard++);
    store.reset({ "service:a": [{ at: 1000, rps: 1 }], "edge:e": [{ at: 1000, rps: 5 }] });
    store.append({ at: 2000, points: { "service:a": { at: 2000, rps: 2 }, "edge:e": { at: 2000, rps: 6 } } });
    expect(heard).toBe(2);
    unsubscribe();
    store.append({ at: 3000, points: { "edge:e": { at: 3000, rps: 7 } } });
    expect(heard).toBe(2);
  });
});
