import { describe, expect, it } from "vitest";
import type { DesiredServer } from "./config";
import { commandsOf, serverChanges, type LiveServer } from "./server-changes";

const server = (name: string, overrides: Partial<DesiredServer> = {}): DesiredServer => ({
  backend: "svc_web",
  name,
  instanceId: name,
  serviceId: "web",
  address: `127.0.0.1:${20000 + Number(name.slice(1))}`,
  weight: 1,
  options: "maxconn 1024",
  ...overrides,
});
const desired = (...servers: DesiredServer[]) => new Map(servers.map((s) => [`${s.backend}/${s.name}`, s]));
const live = (...servers: LiveServer[]) => new Map(servers.map((s) => [`${s.backend}/${s.name}`, s]));
const serving = (name: string, overrides: Partial<DesiredServer> = {}): LiveServer => ({ ...server(name, overrides), leaving: false });
const leaving = (name: string): LiveServer => ({ ...server(name), leaving: true });

describe("server changes on the running worker", () => {
  it.each([
    ["nothing changed", live(serving("i1")), desired(server("i1")), []],
    ["scale up: a server added", live(serving("i1")), desired(server("i1"), server("i2")), [["add", "i2"]]],
    ["scale down: a server drained", live(serving("i1"), serving("i2")), desired(server("i1")), [["leave", "i2"]]],
    ["rollout step: one in, one out", live(serving("i1")), desired(server("i2")), [["add", "i2"], ["leave", "i1"]]],
    ["a draining server back in the endpoints", live(leaving("i1")), desired(server("i1")), [["return", "i1"]]],
    ["a leaving server stays leaving", live(leaving("i1")), desired(), []],
    ["a weight changed", live(serving("i1")), desired(server("i1", { weight: 5 })), [["weight", "i1"]]],
  ] as const)("%s", (_, running, wanted, expected) => {
    const changes = serverChanges(running, wanted);
    expect(changes === "reload" ? changes : changes.map((c) => [c.kind, c.server.name])).toEqual(expected);
  });

  it("asks for a reload when an instance moved address (rare: a new configuration is simpler)", () => {
    expect(serverChanges(live(serving("i1")), desired(server("i1", { address: "127.0.0.1:1" })))).toBe("reload");
  });

  it("does not bring back an instance drained on request while the configuration still lists it", () => {
    const changes = serverChanges(live(serving("i1"), serving("i2")), desired(server("i1"), server("i2")), new Set(["i2"]));
    expect(changes !== "reload" && changes.map((c) => [c.kind, c.server.name])).toEqual([["leave", "i2"]]);
  });

  it("speaks the runtime API", () => {
    expect(commandsOf({ kind: "add", server: server("i2", { weight: 3 }) })).toEqual(["add server svc_web/i2 127.0.0.1:20002 weight 3 maxconn 1024", "enable server svc_web/i2"]);
    expect(commandsOf({ kind: "leave", server: leaving("i1") })).toEqual(["set server svc_web/i1 state drain"]);
    expect(commandsOf({ kind: "return", server: server("i1") })).toEqual(["set weight svc_web/i1 1", "set server svc_web/i1 state ready"]);
  });
});
