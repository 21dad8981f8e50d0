import { describe, expect, it } from "vitest";
import { userCreateInput } from "@/server/contracts/access";
import { invalidProps, issueErrors, placeErrors, serverErrors } from "./form-errors";

describe("form errors", () => {
  it("places field errors, nested paths included, next to their inputs", () => {
    expect(placeErrors({ username: "taken", "grants.1.label": "bad" }, ["username", "grants"])).toEqual({ username: "taken", "grants.1.label": "bad" });
  });

  it("says what belongs to no input as the form's error", () => {
    expect(placeErrors({ userId: "who?" }, ["name"])).toEqual({ form: "userId: who?" });
    expect(placeErrors({ "": "at most 32 labels" }, ["name"])).toEqual({ form: "at most 32 labels" });
  });

  it("falls back to the message when the server named no field", () => {
    const err = { message: "this is the last active admin: make someone else admin first", data: { code: "CONFLICT" } };
    expect(serverErrors(err, ["role"])).toEqual({ form: err.message });
    expect(serverErrors({ message: "x", data: { fieldErrors: { current: "the current password is wrong" } } }, ["current", "next"])).toEqual({ current: "the current password is wrong" });
    expect(serverErrors(undefined, [])).toEqual({ form: "the request failed" });
  });

  it("reads zod issues the way the server reports them", () => {
    const parsed = userCreateInput.safeParse({ username: "", password: "short", role: "viewer", grants: [{ role: "editor", label: "team" }] });
    expect(parsed.success).toBe(false);
    const errors = issueErrors(parsed.error!.issues, ["username", "password", "grants"]);
    expect(Object.keys(errors).sort()).toEqual(["grants.0.label", "password", "username"]);
  });

  it("links an invalid input to its message", () => {
    expect(invalidProps("name", "required")).toEqual({ "aria-invalid": true, "aria-describedby": "name-error" });
    expect(invalidProps("name", undefined)).toEqual({ "aria-invalid": false, "aria-describedby": undefined });
  });
});
