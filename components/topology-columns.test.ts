import { describe, expect, it } from "vitest";
import type { Dependency, Service } from "@/server/contracts/service";
import { layerOf } from "./topology-columns";

const service = (id: string) => ({ id, name: id }) as Service;
const edge = (fromId: string, toId: string) => ({ id: `${fromId}-${toId}`, fromId, toId }) as Dependency;

describe("layerOf", () => {
  it("puts callers left of the services they call, by the longest path", () => {
    const layers = layerOf([service("web"), service("api"), service("users"), service("cache")], [
      edge("web", "api"),
      edge("api", "users"),
      edge("web", "users"),
    ]);
    expect(Object.fromEntries(layers)).toEqual({ web: 0, api: 1, users: 2, cache: 0 });
  });

  it("terminates on cycles", () => {
    const layers = layerOf([service("a"), service("b")], [edge("a", "b"), edge("b", "a")]);
    expect(layers.size).toBe(2);
  });
});
