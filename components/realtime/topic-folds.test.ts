import { describe, expect, it } from "vitest";
import type { TopicName } from "@/server/contracts/realtime";
import { TopicFolds, type TopicFold, type TopicSource } from "./topic-folds";

type Listener = { snapshot(data: unknown): void; delta(data: unknown): void };

/** The tab's connection as the folds see it: what is subscribed, and a way to send messages. */
function fakeSource() {
  const listeners = new Map<TopicName, Set<Listener>>();
  const subscriptions: TopicName[] = [];
  const source: TopicSource = {
    subscribe(topic, listener) {
      subscriptions.push(topic);
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
  };
  const send = (topic: TopicName, kind: "snapshot" | "delta", data: unknown) => listeners.get(topic)?.forEach((l) => l[kind](data));
  const open = (topic: TopicName) => listeners.get(topic)?.size ?? 0;
  return { source, subscriptions, send, open };
}

const eventsFold: TopicFold<"events", string[]> = {
  fromSnapshot: (snapshot) => snapshot.map((e) => e.id),
  applyDelta: (ids, event) => [event.id, ...ids],
};
const event = (id: string) => ({ id }) as never;

describe("shared topic folds", () => {
  it("gives a view that opens later the state the others hold, without a new subscription", () => {
    const { source, subscriptions, send } = fakeSource();
    const folds = new TopicFolds(source);
    let heard = 0;
    folds.read("events", eventsFold, () => heard++);
    expect(folds.current("events", eventsFold)).toBeUndefined();
    send("events", "delta", event("early")); // nothing to apply it to yet
    send("events", "snapshot", [event("b"), event("a")]);
    send("events", "delta", event("c"));
    expect(folds.current("events", eventsFold)).toEqual(["c", "b", "a"]);
    expect(heard).toBe(2);

    let laterHeard = 0;
    folds.read("events", eventsFold, () => laterHeard++);
    expect(folds.current("events", eventsFold)).toEqual(["c", "b", "a"]);
    expect(subscriptions).toEqual(["events"]);
    send("events", "delta", event("d"));
    expect([heard, laterHeard]).toEqual([3, 1]);
    expect(folds.current("events", eventsFold)).toEqual(["d", "c", "b", "a"]);
  });

  it("keeps apart folds that build different states from the same topic", () => {
    const { source, subscriptions, send } = fakeSource();
    const folds = new TopicFolds(source);
    const countFold: TopicFold<"events", number> = { fromSnapshot: (s) => s.length, applyDelta: (n) => n + 1 };
    folds.read("events", eventsFold, () => {});
    folds.read("events", countFold, () => {});
    send("events", "snapshot", [event("a")]);
    send("events", "delta", event("b"));
    expect(folds.current("events", eventsFold)).toEqual(["b", "a"]);
    expect(folds.current("events", countFold)).toBe(2);
    expect(subscriptions).toEqual(["events", "events"]);
  });

  it("unsubscribes when the last view closes, and starts over from a new snapshot when one opens again", () => {
    const { source, subscriptions, send, open } = fakeSource();
    const folds = new TopicFolds(source);
    const first = folds.read("events", eventsFold, () => {});
    const second = folds.read("events", eventsFold, () => {});
    send("events", "snapshot", [event("a")]);
    first();
    expect(open("events")).toBe(1);
    second();
    second(); // closing twice changes nothing
    expect(open("events")).toBe(0);
    expect(folds.current("events", eventsFold)).toBeUndefined();

    folds.read("events", eventsFold, () => {});
    expect(subscriptions).toEqual(["events", "events"]);
    expect(folds.current("events", eventsFold)).toBeUndefined();
    send("events", "snapshot", [event("z")]);
    expect(folds.current("events", eventsFold)).toEqual(["z"]);
  });
});
