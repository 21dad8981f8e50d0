import { describe, expect, it } from "vitest";
import { entryStatus } from "../../contracts/catalog";
import { silentLogger } from "../../lib/logger";
import { Catalog } from "./catalog";
import { catalogEntry } from "../../testing/catalog";

const entry = catalogEntry;

describe("Catalog", () => {
  it("bumps the index on every real change only, and tracks each service's own index", () => {
    const catalog = new Catalog(silentLogger);
    const start = catalog.indexOf();
    catalog.upsert(entry("web-1", "web"));
    catalog.upsert(entry("api-1", "api"));
    expect(catalog.indexOf()).toBe(start + 2);
    catalog.upsert(entry("web-1", "web")); // unchanged
    expect(catalog.indexOf()).toBe(start + 2);
    expect(catalog.indexOf("web")).toBe(start + 1);
    catalog.upsert(entry("web-1", "web", { tags: ["v2"] }));
    expect(catalog.get("web-1")).toMatchObject({ createIndex: start + 1, modifyIndex: start + 3 });
    catalog.remove("api-1");
    expect(catalog.indexOf("api")).toBe(start + 4);
    expect([...catalog.services()]).toEqual([["web", ["v2"]]]);
  });

  it("wakes a blocking query as soon as its service changes, and not for other services", async () => {
    const catalog = new Catalog(silentLogger);
    catalog.upsert(entry("web-1", "web"));
    catalog.upsert(entry("api-1", "api"));
    const since = catalog.indexOf("web");
    let woke = false;
    const waiting = catalog.wait("web", since, 5000).then(() => (woke = true));
    catalog.upsert(entry("api-2", "api"));
    await new Promise((r) => setTimeout(r, 20));
    expect(woke).toBe(false);
    const started = Date.now();
    catalog.upsert(entry("web-1", "web", { checks: [{ id: "gantry:web-1", name: "Gantry readiness", kind: "gantry", status: "critical", output: "unready" }] }));
    await waiting;
    expect(Date.now() - started).toBeLessThan(50);
  });

  it("returns at the wait time when nothing changes, and at once when the index has already moved", async () => {
    const catalog = new Catalog(silentLogger);
    const started = Date.now();
    await catalog.wait(null, catalog.indexOf(), 80);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    await catalog.wait(null, catalog.indexOf() - 1, 10_000);
  });

  it("tells every listener of a change, and wakes waiters, even when a listener throws", async () => {
    const catalog = new Catalog(silentLogger);
    const seen: string[] = [];
    catalog.subscribe(() => {
      throw new Error("a broken listener");
    });
    catalog.subscribe((change) => seen.push(`${change.kind} ${change.entry.id}`));
    const waiting = catalog.wait("web", catalog.indexOf("web"), 5000);
    catalog.upsert(entry("web-1", "web"));
    catalog.remove("web-1");
    expect(seen).toEqual(["upserted web-1", "removed web-1"]);
    await waiting;
  });

  it("takes the worst check as an entry's status", () => {
    const checks = (...s: Array<"passing" | "warning" | "critical">) => ({ checks: s.map((status, i) => ({ id: `${i}`, name: "", kind: "ttl" as const, status, output: "" })) });
    expect(entryStatus(checks())).toBe("passing");
    expect(entryStatus(checks("passing", "warning"))).toBe("warning");
    expect(entryStatus(checks("warning", "critical", "passing"))).toBe("critical");
  });
});
