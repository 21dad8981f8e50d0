import { describe, expect, it } from "vitest";
import { connectionRefusal, edgeFromDrag } from "./connection-rules";

const service = (name: string, more: { external?: boolean; deleting?: boolean } = {}) => ({ id: name, name, external: false, deleting: false, ...more });
const [web, api] = [service("web"), service("api")];
const existing = [{ fromId: "web", toId: "api" }];

describe("which dependencies a drop on the canvas may add", () => {
  it("accepts a new edge between two services the caller may edit", () => {
    expect(connectionRefusal(api, web, existing, undefined)).toBeUndefined();
  });

  it.each([
    ["a self-edge", web, web, "web can't depend on itself"],
    ["an edge that already exists", web, api, "web already calls api"],
    ["an edge from an external service", service("stripe", { external: true }), web, "stripe is external: Gantry runs none of its instances, so none to tell where web is"],
    ["an edge to a service being deleted", api, service("old", { deleting: true }), "old is being deleted"],
  ])("refuses %s, saying why", (_, from, to, reason) => {
    expect(connectionRefusal(from, to, existing, undefined)).toBe(reason);
  });

  it("refuses a caller who may not edit the calling service, with the role it takes", () => {
    expect(connectionRefusal(api, web, existing, "Needs the editor role (you are viewer)")).toBe("Needs the editor role (you are viewer)");
  });
});

describe("which way a dragged edge points", () => {
  it("runs from the node dragged from its right handle to the node it is dropped on", () => {
    expect(edgeFromDrag("web", "source", "api")).toEqual({ fromId: "web", toId: "api" });
  });

  it("runs the other way when dragged from a node's left handle", () => {
    expect(edgeFromDrag("api", "target", "web")).toEqual({ fromId: "web", toId: "api" });
  });
});
