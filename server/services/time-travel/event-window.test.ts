import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/manual-clock";
import { testBackends } from "../../testing/databases";
import { migratedStore, type MigratedStore } from "../../testing/store";
import { EventWindow } from "./event-window";

const [pglite] = testBackends();

describe("the day of events a scrub step reads", () => {
  let store: MigratedStore;
  beforeAll(async () => {
    store = await migratedStore(pglite!);
  });
  afterAll(() => store.dispose());

  it("stays a day long from the events that arrive, even when nobody scrubs any more", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const window = new EventWindow(store.prisma, store.feed, clock);
    const index = await window.read();
    // Two days of a scale event every minute, published as committed events are.
    for (let minute = 0; minute < 2 * 24 * 60; minute++) {
      await clock.advance(60_000);
      const at = new Date(clock.now()).toISOString();
      store.feed.publish({ type: "event", event: { id: String(minute), at, kind: "service.scaled", actor: "system", serviceId: null, serviceName: "web", instanceId: null, message: "", data: null } });
    }
    // Not read again: what arrived was pruned as it came.
    expect(index.topology.length).toBeGreaterThan(24 * 60 - 2);
    expect(index.topology.length).toBeLessThanOrEqual(24 * 60 + 1);
    expect(index.topology[0]!.at).toBeGreaterThanOrEqual(clock.now() - 24 * 3600_000 - 60_000);
    window.stop();
  });
});
