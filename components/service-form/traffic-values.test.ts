import { describe, expect, it } from "vitest";
import { trafficSettings } from "@/server/contracts/traffic";
import { toTrafficInput, trafficDraftOf } from "./traffic-values";

describe("traffic form values", () => {
  it("round-trips saved settings through the form", () => {
    const traffic = trafficSettings.parse({
      policy: "weighted",
      weights: { revisions: { "2": 80 }, instances: { "api-abc12": 5 } },
      hashOn: { kind: "cookie", name: "session" },
      routes: [{ host: "shop.example.com", pathPrefix: "/api", stripPrefix: true }],
      retries: 1,
      metricsPath: "/metrics",
    });
    const back = toTrafficInput(trafficDraftOf(traffic, 19005));
    expect(back).toEqual({ traffic: expect.anything(), listenPort: 19005 });
    expect("traffic" in back && trafficSettings.parse(back.traffic)).toEqual(traffic);
  });

  it.each([
    ["a weights line without =", { weights: "rev two" }, { "traffic.weights": 'line 1: expected "revision = weight" or "instance = weight"' }],
    ["a route prefix without /", { routes: [{ host: "", pathPrefix: "api", stripPrefix: false }] }, { "traffic.routes": "path prefix must start with /" }],
    ["a non-numeric retry count", { retries: "a few" }, { "traffic.retries": "must be a number" }],
    ["a header hash without a name", { policy: "ring_hash" as const, hashOn: "header" as const, hashName: "" }, { "traffic.hashName": "not a valid header name" }],
    ["a metrics path without /", { metricsPath: "metrics" }, { "traffic.metricsPath": "metrics path must start with /" }],
    ["a privileged listener port", { listenPort: "80" }, { listenPort: "listener port must be a whole number from 1024 to 65535" }],
  ])("points at the field with %s", (_what, change, errors) => {
    expect(toTrafficInput({ ...trafficDraftOf(), ...change })).toEqual({ errors });
  });
});
