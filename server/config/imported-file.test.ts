import { describe, expect, it } from "vitest";
import { serviceName } from "../contracts/service";
import { dnsLabel, serviceNames } from "./imported-file";

describe("dnsLabel", () => {
  it.each([
    ["web", "web"],
    ["Web_App", "web-app"],
    ["user.db", "user-db"],
    ["__proto__", "proto"],
    ["9lives", "s-9lives"],
    ["--", "service"],
    ["a".repeat(70), "a".repeat(63)],
    [`${"a".repeat(62)}_b`, "a".repeat(62)],
  ])("%s → %s, a valid service name", (name, label) => {
    expect(dnsLabel(name)).toBe(label);
    expect(serviceName.safeParse(label).success).toBe(true);
  });

  it("keeps names that already are labels, makes the others unique, and says which changed", () => {
    expect(serviceNames(["api_v2", "api-v2", "api-v2-2", "API_V2"])).toEqual({
      names: new Map([["api_v2", "api-v2-3"], ["api-v2", "api-v2"], ["api-v2-2", "api-v2-2"], ["API_V2", "api-v2-4"]]),
      notes: [
        "api_v2: renamed api-v2-3 (service names are DNS labels: lowercase letters, digits and '-')",
        "API_V2: renamed api-v2-4 (service names are DNS labels: lowercase letters, digits and '-')",
      ],
    });
  });
});
