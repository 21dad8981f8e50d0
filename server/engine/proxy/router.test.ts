import { describe, expect, it } from "vitest";
import { matchRoute } from "./router";
import type { IngressRoute } from "./types";

const route = (serviceId: string, pathPrefix: string, host: string | null = null, stripPrefix = false): IngressRoute => ({ serviceId, pathPrefix, host, stripPrefix });

describe("ingress routing", () => {
  const routes = [
    route("web", "/"),
    route("api", "/api", null, true),
    route("users", "/api/users"),
    route("shop", "/", "shop.example.com"),
    route("tenant", "/", "*.tenants.example.com"),
  ];

  it.each([
    ["example.com", "/", { serviceId: "web", path: "/" }],
    ["example.com:8080", "/about?x=1", { serviceId: "web", path: "/about?x=1" }],
    ["example.com", "/api", { serviceId: "api", path: "/" }],
    ["example.com", "/api/orders/7", { serviceId: "api", path: "/orders/7" }],
    ["example.com", "/api?debug=1", { serviceId: "api", path: "/?debug=1" }],
    ["example.com", "/apis", { serviceId: "web", path: "/apis" }],
    ["example.com", "/api/users/3", { serviceId: "users", path: "/api/users/3" }],
    ["SHOP.example.com", "/cart", { serviceId: "shop", path: "/cart" }],
    ["acme.tenants.example.com", "/", { serviceId: "tenant", path: "/" }],
    ["shop.example.com", "/api/x", { serviceId: "api", path: "/x" }],
  ])("%s %s → %o", (host, path, match) => {
    expect(matchRoute(routes, host, path)).toEqual(match);
  });

  it("finds nothing when no route covers the request", () => {
    expect(matchRoute([route("api", "/api")], "example.com", "/")).toBeUndefined();
    expect(matchRoute([route("shop", "/", "shop.example.com")], "other.example.com", "/")).toBeUndefined();
    expect(matchRoute([route("tenant", "/", "*.tenants.example.com")], "tenants.example.com", "/")).toBeUndefined();
  });
});
