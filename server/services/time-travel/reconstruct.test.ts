import { describe, expect, it } from "vitest";
import { EventIndex } from "./event-index";
import { pastHealth, reconstruct, type CurrentService, type CurrentTopology, type TimelineEvent } from "./reconstruct";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const noTraffic = () => null;

const service = (id: string, overrides: Partial<CurrentService> = {}): CurrentService => ({
  id,
  name: id,
  external: false,
  protocol: "http",
  deleting: false,
  position: { x: 0, y: 0 },
  replicas: 1,
  revision: 1,
  ...overrides,
});

const event = (minute: number, kind: string, serviceId: string | null, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
  at: T0 + minute * MIN,
  kind,
  serviceId,
  serviceName: serviceId,
  instanceId: null,
  data: null,
  ...extra,
});
const instanceEvent = (minute: number, kind: string, serviceId: string, instanceId: string) => event(minute, `instance.${kind}`, serviceId, { instanceId });

const at = (topology: CurrentTopology, events: TimelineEvent[], minute: number) => reconstruct(topology, EventIndex.of(events), T0 + minute * MIN, noTraffic);
const byName = (snapshot: ReturnType<typeof reconstruct>, name: string) => snapshot.services.find((s) => s.name === name);

describe("rebuilding the topology at a past moment", () => {
  it("shows a service scaled, broken and healed with the ready and wanted counts of each moment", () => {
    // api: scaled 1 → 3 at minute 1; its three instances ready by 2; two crash at 5; healed at 8.
    const events = [
      instanceEvent(0, "ready", "api", "api-a"),
      event(1, "service.scaled", "api", { data: { from: 1, to: 3 } }),
      instanceEvent(1, "starting", "api", "api-b"),
      instanceEvent(1, "starting", "api", "api-c"),
      instanceEvent(2, "ready", "api", "api-b"),
      instanceEvent(2, "ready", "api", "api-c"),
      instanceEvent(5, "crashloop", "api", "api-b"),
      instanceEvent(5, "unready", "api", "api-c"),
      instanceEvent(8, "ready", "api", "api-b"),
      instanceEvent(8, "ready", "api", "api-c"),
    ];
    const now: CurrentTopology = {
      services: [service("api", { replicas: 3 })],
      dependencies: [],
      instances: ["api-a", "api-b", "api-c"].map((id) => ({ id, serviceId: "api", ready: true })),
    };
    expect(byName(at(now, events, 0.5), "api")).toMatchObject({ wanted: 1, ready: 1, health: "healthy" });
    expect(byName(at(now, events, 1.5), "api")).toMatchObject({ wanted: 3, ready: 1, health: "degraded" });
    expect(byName(at(now, events, 6), "api")).toMatchObject({ wanted: 3, ready: 1, health: "degraded" });
    expect(byName(at(now, events, 9), "api")).toMatchObject({ wanted: 3, ready: 3, health: "healthy" });
  });

  it("calls a service down when none of its instances was ready", () => {
    const events = [instanceEvent(3, "crashloop", "web", "web-a"), instanceEvent(4, "starting", "web", "web-a"), instanceEvent(5, "ready", "web", "web-a")];
    const now: CurrentTopology = { services: [service("web")], dependencies: [], instances: [{ id: "web-a", serviceId: "web", ready: true }] };
    expect(byName(at(now, events, 4.5), "web")).toMatchObject({ ready: 0, wanted: 1, health: "down" });
    // Before the crash, with no event of it before: it was serving, as its first event (a crash) says.
    expect(byName(at(now, events, 1), "web")).toMatchObject({ ready: 1, health: "healthy" });
  });

  it("does not count an instance started after the moment, nor one that has stopped by then", () => {
    const events = [instanceEvent(1, "stopped", "web", "web-old"), instanceEvent(3, "starting", "web", "web-new"), instanceEvent(4, "ready", "web", "web-new")];
    const now: CurrentTopology = { services: [service("web")], dependencies: [], instances: [{ id: "web-new", serviceId: "web", ready: true }] };
    expect(byName(at(now, events, 2), "web")).toMatchObject({ ready: 0 });
    expect(byName(at(now, events, 0.5), "web")).toMatchObject({ ready: 1 });
  });

  it("brings a deleted service back ghosted, with its edges, and hides one created since", () => {
    const events = [
      event(2, "service.created", "new"),
      event(3, "service.deleting", "old", {
        data: { replicas: 2, revision: 4, position: { x: 10, y: 20 }, external: false, protocol: "tcp", edges: [{ id: "e1", fromId: "web", toId: "old" }] },
      }),
      event(4, "service.deleted", "old"),
    ];
    const now: CurrentTopology = { services: [service("web"), service("new")], dependencies: [], instances: [] };
    const past = at(now, events, 1);
    expect(past.services.map((s) => s.name)).toEqual(["old", "web"]);
    expect(byName(past, "old")).toMatchObject({ deletedSince: true, wanted: 2, revision: 4, position: { x: 10, y: 20 }, protocol: "tcp" });
    expect(past.dependencies).toEqual([{ id: "e1", fromId: "web", toId: "old", deletedSince: true, traffic: null }]);
    expect(past.createdSince).toEqual(["new"]);
    // After the creation, before the deletion: both.
    expect(at(now, events, 2.5).services.map((s) => s.name)).toEqual(["new", "old", "web"]);
  });

  it("says unknown for what older deletion events did not record", () => {
    const now: CurrentTopology = { services: [], dependencies: [], instances: [] };
    const past = at(now, [event(3, "service.deleted", "gone")], 1);
    expect(byName(past, "gone")).toMatchObject({ deletedSince: true, wanted: null, revision: null, position: null, health: "unknown" });
  });

  it("undoes edges added and removed since", () => {
    const events = [event(2, "dependency.created", "web", { data: { fromId: "web", toId: "api", dependencyId: "e2" } }), event(3, "dependency.deleted", "web", { data: { fromId: "web", toId: "db", dependencyId: "e3" } })];
    const now: CurrentTopology = { services: [service("web"), service("api"), service("db")], dependencies: [{ id: "e2", fromId: "web", toId: "api" }], instances: [] };
    expect(at(now, events, 1).dependencies).toEqual([{ id: "e3", fromId: "web", toId: "db", deletedSince: true, traffic: null }]);
    expect(at(now, events, 2.5).dependencies.map((d) => d.id)).toEqual(["e2", "e3"]);
    expect(at(now, events, 4).dependencies.map((d) => d.id)).toEqual(["e2"]);
  });

  it("returns the revision and replicas an update or a rollback replaced (unknown for older events)", () => {
    const events = [
      event(1, "service.updated", "api", { data: { changed: ["env"], revision: 2, from: { revision: 1, replicas: 1 } } }),
      event(2, "service.updated", "api", { data: { changed: ["replicas"], from: { replicas: 2 } } }),
      event(3, "service.rolled-back", "api", { data: { from: 2, to: 1 } }),
      event(4, "service.updated", "legacy", { data: { changed: ["env"], revision: 5 } }),
    ];
    const now: CurrentTopology = { services: [service("api", { revision: 1, replicas: 4 }), service("legacy", { revision: 5 })], dependencies: [], instances: [] };
    expect(byName(at(now, events, 0.5), "api")).toMatchObject({ revision: 1, wanted: 1 });
    expect(byName(at(now, events, 1.5), "api")).toMatchObject({ revision: 2, wanted: 2 });
    expect(byName(at(now, events, 2.5), "api")).toMatchObject({ revision: 2, wanted: 4 });
    expect(byName(at(now, events, 3.5), "legacy")).toMatchObject({ revision: null });
    expect(byName(at(now, events, 3.5), "api")).toMatchObject({ revision: 1 });
  });

  it("reads each service's and edge's traffic at the moment", () => {
    const now: CurrentTopology = { services: [service("web")], dependencies: [{ id: "e1", fromId: "web", toId: "web" }], instances: [] };
    const traffic = (key: string) => (key === "service:web" ? { rps: 12, errorRate: 50, p95: 30 } : key === "edge:e1" ? { rps: 3, errorRate: 0, p95: 5 } : null);
    const past = reconstruct(now, EventIndex.of([]), T0, traffic);
    expect(past.services[0]!.traffic).toEqual({ rps: 12, errorRate: 50, p95: 30 });
    expect(past.dependencies[0]!.traffic).toEqual({ rps: 3, errorRate: 0, p95: 5 });
  });
});

describe("health from counts", () => {
  it.each([
    [3, 3, "healthy"],
    [3, 1, "degraded"],
    [3, 0, "down"],
    [0, 0, "idle"],
    [0, 1, "degraded"],
    [null, 1, "unknown"],
  ] as const)("%s wanted, %s ready: %s", (wanted, ready, health) => expect(pastHealth(wanted, ready)).toBe(health));
});
