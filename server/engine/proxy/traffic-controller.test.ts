import { describe, expect, it } from "vitest";
import { trafficSettings } from "../../contracts/traffic";
import { silentLogger } from "../../lib/logger";
import { RecordingDataPlane } from "./testing/recording-data-plane";
import { TrafficController, type TrafficTopology } from "./traffic-controller";
import type { EndpointConfig } from "./types";

function controller() {
  const dataPlane = new RecordingDataPlane();
  const web = { id: "web", name: "web", listenPort: 20400, traffic: trafficSettings.parse({}) };
  const topology: TrafficTopology = { services: [web], dependencies: [] };
  let loads = 0;
  const endpoints: EndpointConfig[] = [];
  const traffic = new TrafficController({
    load: async () => (loads++, structuredClone(topology)),
    endpointsOf: () => [...endpoints],
    dataPlane,
    host: "127.0.0.1",
    ingressPort: 0,
    log: silentLogger,
    event: () => {},
  });
  return { traffic, dataPlane, web, topology, endpoints, loads: () => loads };
}

describe("traffic controller", () => {
  it("pushes a new ready endpoint before the event loop's next turn, once for changes made together", async () => {
    const { traffic, dataPlane, endpoints } = controller();
    await traffic.refresh();
    traffic.start();
    const before = dataPlane.configs.length;
    endpoints.push({ id: "web-1", host: "127.0.0.1", port: 20001, revision: 1 });
    traffic.schedule();
    endpoints.push({ id: "web-2", host: "127.0.0.1", port: 20002, revision: 1 });
    traffic.schedule();
    // Whatever the event loop runs next (database queries, timers) comes after the push.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(dataPlane.configs.length).toBe(before + 1);
    expect(dataPlane.latest?.clusters[0]?.endpoints.map((e) => e.id)).toEqual(["web-1", "web-2"]);
  });

  it("re-reads the topology when a saved service changes its name, listener or settings, not when it is scaled", async () => {
    const { traffic, web, topology, loads } = controller();
    await traffic.refresh();
    const scaled = { ...web, replicas: 3, version: 2 }; // a Service as the API saved it
    await traffic.serviceSaved(scaled);
    expect(loads()).toBe(1);
    topology.services[0] = { ...web, listenPort: 20401 };
    await traffic.serviceSaved(topology.services[0]);
    expect(loads()).toBe(2);
    await traffic.serviceSaved({ id: "api", name: "api", listenPort: 20402, traffic: web.traffic }); // new to it
    expect(loads()).toBe(3);
  });

  it("reads the topology once more for all the refreshes asked while a read runs, and that read sees their changes", async () => {
    const { traffic, topology, dataPlane, loads } = controller();
    traffic.start();
    const first = traffic.refresh();
    topology.services.push({ id: "api", name: "api", listenPort: 20402, traffic: topology.services[0]!.traffic });
    const asked = Array.from({ length: 500 }, () => traffic.refresh()); // a file's worth of saved services
    await Promise.all([first, ...asked]);
    expect(loads()).toBe(2);
    expect(dataPlane.latest?.listeners.map((l) => l.port).sort()).toEqual([20400, 20402]);
  });
});
