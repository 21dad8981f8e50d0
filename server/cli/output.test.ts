import YAML from "yaml";
import { describe, expect, it } from "vitest";
import type { Instance } from "../contracts/instance";
import type { Rollout } from "../contracts/rollout";
import type { Service } from "../contracts/service";
import { age, instancesView, parseOutputFormat, renderList, renderTable, renderWatched, rolloutsView, servicesView, sortInstances } from "./output";

const now = Date.parse("2026-01-01T12:00:00Z");
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

const service = (name: string, fields: Partial<Service> = {}) =>
  ({ id: `id-${name}`, name, external: false, deleting: false, replicas: 2, revision: 3, listenPort: 41000, createdAt: ago(300), ...fields }) as Service;
const instance = (id: string, fields: Partial<Instance> = {}) =>
  ({ id, serviceId: "id-api", serviceName: "api", revision: 3, phase: "Running", ready: true, port: 30001, restarts: 0, startedAt: ago(42), ...fields }) as Instance;

describe("output", () => {
  it("shows ages as kubectl does", () => {
    expect([5, 119, 120, 7199, 7200, 172_799, 172_800].map((s) => age(ago(s), now))).toEqual(["5s", "119s", "2m", "119m", "2h", "47h", "2d"]);
    expect(age(null, now)).toBe("-");
  });

  it("lines up table columns under their headers", () => {
    const services = [service("api"), service("web-frontend", { replicas: 0, listenPort: null })];
    const table = renderTable(services, servicesView([instance("api-a"), instance("api-b", { ready: false })]), now);
    expect(table).toBe(
      [
        "NAME           READY   REVISION   LISTEN            AGE",
        "api            1/2     3          127.0.0.1:41000   5m",
        "web-frontend   0/0     3          -                 5m",
        "",
      ].join("\n"),
    );
  });

  it("json and yaml print the API's objects; name prints one name a line", () => {
    const services = [service("api"), service("web")];
    expect(JSON.parse(renderList("json", services, servicesView([]), now))).toEqual(services);
    expect(YAML.parse(renderList("yaml", services, servicesView([]), now))).toEqual(services);
    expect(renderList("name", services, servicesView([]), now)).toBe("api\nweb\n");
    expect(renderList("table", [], servicesView([]), now)).toBe("");
  });

  it("watching prints a row without header (still as wide as the header printed first), or one JSON object a line", () => {
    expect(renderWatched("table", instance("api-a"), instancesView, now)).toBe("api-a   api       3          Running   yes     0          30001   42s\n");
    expect(renderWatched("json", instance("api-a"), instancesView, now)).toBe(`${JSON.stringify(instance("api-a"))}\n`);
    expect(renderWatched("yaml", instance("api-a"), instancesView, now).startsWith("---\nid: api-a\n")).toBe(true);
  });

  it("rollouts show progress and their service's name", () => {
    const rollout = { id: "r1", serviceId: "id-api", fromRevision: 2, toRevision: 3, cause: "update", status: "progressing", updated: 1, replicas: 3, remaining: 2, startedAt: ago(10) } as Rollout;
    expect(renderTable([rollout], rolloutsView(() => "api"), now, false)).toBe("api       2 -> 3     update   progressing   1/3       2     10s\n");
  });

  it("lists live instances before stopped ones", () => {
    const sorted = sortInstances([instance("api-z", { phase: "Stopped" }), instance("web-a", { serviceName: "web" }), instance("api-b")]);
    expect(sorted.map((i) => i.id)).toEqual(["api-b", "web-a", "api-z"]);
  });

  it("refuses unknown formats", () => {
    expect(parseOutputFormat("yaml")).toBe("yaml");
    expect(() => parseOutputFormat("xml")).toThrow("-o must be one of table, json, yaml, name, not xml");
  });
});
