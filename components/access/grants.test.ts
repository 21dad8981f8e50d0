import { describe, expect, it } from "vitest";
import { describeGrant, describeGrants, grantAddsNothing, grantRowErrors, roleAbove, sameGrants } from "./grants";

describe("grants", () => {
  it("reads as a role on a label", () => {
    expect(describeGrant({ role: "editor", label: "team=payments" })).toBe("editor on team=payments");
    expect(describeGrants([{ role: "editor", label: "team=payments" }, { role: "operator", label: "tier=edge" }])).toBe("editor on team=payments, operator on tier=edge");
    expect(describeGrants([])).toBe("none");
  });

  it("suggests the role above the global one", () => {
    expect(roleAbove("viewer")).toBe("operator");
    expect(roleAbove("editor")).toBe("admin");
    expect(roleAbove("admin")).toBe("admin");
  });

  it("knows a grant that raises nothing", () => {
    expect(grantAddsNothing("editor", { role: "operator", label: "a=b" })).toBe(true);
    expect(grantAddsNothing("editor", { role: "editor", label: "a=b" })).toBe(true);
    expect(grantAddsNothing("viewer", { role: "operator", label: "a=b" })).toBe(false);
  });

  it("compares grant lists as stored", () => {
    expect(sameGrants([{ role: "editor", label: " a=b " }], [{ role: "editor", label: "a=b" }])).toBe(true);
    expect(sameGrants([{ role: "editor", label: "a=b" }], [{ role: "admin", label: "a=b" }])).toBe(false);
    expect(sameGrants([], [{ role: "admin", label: "a=b" }])).toBe(false);
  });

  it("finds each row's first error", () => {
    const rows = grantRowErrors({ "grants.0.label": "bad label", "grants.0.role": "bad role", "grants.2": "bad", grants: "at most 50", username: "x" });
    expect([...rows]).toEqual([
      [0, "bad label"],
      [2, "bad"],
    ]);
  });
});
