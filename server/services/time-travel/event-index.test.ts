import { describe, expect, it } from "vitest";
import { EventIndex } from "./event-index";
import type { TimelineEvent } from "./reconstruct";

const event = (at: number, kind: string, instanceId: string | null = null): TimelineEvent => ({ at, kind, serviceId: "web", serviceName: "web", instanceId, data: null });

describe("the event index a scrub step reads", () => {
  it("keeps topology changes and each instance's lifecycle apart, in time order even when published out of order, and counts events per minute", () => {
    const index = EventIndex.of([event(1_000, "service.created"), event(5_000, "instance.ready", "a"), event(3_000, "instance.starting", "a"), event(61_000, "instance.logs-dropped", "a")]);
    expect(index.topology.map((e) => e.kind)).toEqual(["service.created"]);
    expect(index.instances.get("a")).toEqual({ serviceId: "web", events: [{ at: 3_000, kind: "instance.starting" }, { at: 5_000, kind: "instance.ready" }] });
    expect([...index.perMinute]).toEqual([[0, 3], [60_000, 1]]);
  });

  it("prunes to the window but keeps each instance's state at its start, and forgets instances quiet since", () => {
    const index = EventIndex.of([
      event(1_000, "service.scaled"),
      event(2_000, "instance.unready", "a"),
      event(3_000, "instance.ready", "a"),
      event(200_000, "instance.unready", "a"),
      event(4_000, "instance.ready", "quiet"),
    ]);
    index.prune(100_000);
    expect(index.topology).toEqual([]);
    expect(index.instances.get("a")!.events).toEqual([{ at: 3_000, kind: "instance.ready" }, { at: 200_000, kind: "instance.unready" }]);
    expect(index.instances.has("quiet")).toBe(false);
    expect([...index.perMinute.keys()]).toEqual([180_000]);
  });
});
