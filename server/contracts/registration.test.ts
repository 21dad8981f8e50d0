import { describe, expect, it } from "vitest";
import { canonicalKeys, consulRegistration, parseDuration, toRegistrationSpec } from "./registration";

const parse = (body: unknown) => consulRegistration.safeParse(canonicalKeys(body));

describe("Consul registrations", () => {
  it.each([
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["250ms", 250],
    ["1.5s", 1500],
    ["2h", 7_200_000],
    ["10", undefined],
    ["ten seconds", undefined],
  ])("parses the duration %s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it("applies Consul's defaults: ID from Name, check IDs, agent address, critical until checked", () => {
    const result = parse({ name: "payments", port: 9000, check: { http: "http://10.0.0.5:9000/health", interval: "5s" } });
    expect(result.success && toRegistrationSpec(result.data)).toEqual({
      id: "payments",
      name: "payments",
      address: "127.0.0.1",
      port: 9000,
      tags: [],
      meta: {},
      checks: [
        expect.objectContaining({ id: "service:payments", kind: "http", target: "http://10.0.0.5:9000/health", intervalMs: 5000, initialStatus: "critical" }),
      ],
    });
    const many = parse({ ID: "pay-1", Name: "payments", Checks: [{ TTL: "15s" }, { TCP: "10.0.0.5:9000", Interval: "10s" }] });
    expect(many.success && toRegistrationSpec(many.data).checks.map((c) => [c.id, c.kind])).toEqual([
      ["service:pay-1:1", "ttl"],
      ["service:pay-1:2", "tcp"],
    ]);
  });

  it.each([
    [{ Port: 80 }, "name is required"],
    [{ Name: "Payments" }, "DNS label"],
    [{ Name: "p", Port: 70000 }, "65535"],
    [{ Name: "p", Check: { HTTP: "http://x/health" } }, "need an Interval"],
    [{ Name: "p", Check: { Script: "/bin/true", Interval: "5s" } }, "exactly one of HTTP, TCP or TTL"],
    [{ Name: "p", Check: { TTL: "soon" } }, 'TTL must be a duration such as "10s"'],
    [{ Name: "p", Check: { HTTP: "http://x/", Interval: "5s", Method: "POST" } }, "only GET"],
  ])("refuses %o with the reason", (body, message) => {
    const result = parse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join("; ")).toContain(message);
  });
});
