import { describe, expect, it } from "vitest";
import type { User } from "@/server/contracts/access";
import { draftOf, endsSessions, userChanges } from "./user-changes";

const alice: User = {
  id: "6a0f8a52-1f0e-4a8c-9b38-1f1f3c1b2d10",
  username: "alice",
  displayName: "Alice",
  role: "viewer",
  grants: [{ role: "editor", label: "team=payments" }],
  source: "password",
  disabled: false,
  lastLoginAt: null,
  createdAt: "2025-01-01T00:00:00.000Z",
};

describe("user changes", () => {
  it("sends nothing but the id when nothing changed", () => {
    const input = userChanges(alice, draftOf(alice));
    expect(input).toEqual({ id: alice.id });
    expect(endsSessions(input)).toBe(false);
  });

  it("sends only what changed", () => {
    const input = userChanges(alice, { ...draftOf(alice), role: "operator", password: "correct horse battery" });
    expect(input).toEqual({ id: alice.id, role: "operator", password: "correct horse battery" });
    expect(endsSessions(input)).toBe(true);
  });

  it("treats a display name change alone as harmless to sessions", () => {
    const input = userChanges(alice, { ...draftOf(alice), displayName: "Alice B." });
    expect(input).toEqual({ id: alice.id, displayName: "Alice B." });
    expect(endsSessions(input)).toBe(false);
    expect(userChanges({ ...alice, displayName: null }, { ...draftOf(alice), displayName: "  " })).toEqual({ id: alice.id });
  });

  it("notices grants and status", () => {
    const input = userChanges(alice, { ...draftOf(alice), grants: [], disabled: true });
    expect(input).toEqual({ id: alice.id, grants: [], disabled: true });
    expect(userChanges(alice, { ...draftOf(alice), grants: [{ role: "editor", label: " team=payments " }] })).toEqual({ id: alice.id });
  });
});
