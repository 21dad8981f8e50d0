import { describe, expect, it } from "vitest";
import { assignableRoles, clampRole, curlExample, expiryDays } from "./token-options";

describe("token options", () => {
  it("offers no role above the maker's or the owner's", () => {
    expect(assignableRoles("admin")).toEqual(["viewer", "operator", "editor", "admin"]);
    expect(assignableRoles("operator")).toEqual(["viewer", "operator"]);
    expect(assignableRoles("admin", "editor")).toEqual(["viewer", "operator", "editor"]);
    expect(assignableRoles("viewer", "admin")).toEqual(["viewer"]);
  });

  it("keeps a chosen role only while it may be given", () => {
    expect(clampRole("editor", ["viewer", "operator", "editor"])).toBe("editor");
    expect(clampRole("admin", ["viewer", "operator"])).toBe("operator");
  });

  it("turns the expiry choice into days", () => {
    expect(expiryDays("30")).toBe(30);
    expect(expiryDays("365")).toBe(365);
    expect(expiryDays("never")).toBeNull();
  });

  it("shows how to use the token", () => {
    expect(curlExample("gtk_abc", "http://localhost:3000")).toBe('curl -H "Authorization: Bearer gtk_abc" http://localhost:3000/api/trpc/services.list');
  });
});
