import { describe, expect, it } from "vitest";
import { readOptions } from "./consul-query";

const read = (query: string) => readOptions(new URLSearchParams(query));
const refusal = (query: string) => {
  try {
    read(query);
  } catch (err) {
    return { status: (err as { httpStatus: number }).httpStatus, message: (err as Error).message };
  }
  return undefined;
};

describe("Consul's read parameters", () => {
  it("takes an index and a Go duration, capped at 10 minutes, defaulting to 5", () => {
    expect(read("")).toEqual({ index: 0, waitMs: 300_000 });
    expect(read("index=42&wait=1m30s")).toEqual({ index: 42, waitMs: 90_000 });
    expect(read("index=42&wait=250ms")).toEqual({ index: 42, waitMs: 250 });
    expect(read("index=1&wait=2h")).toEqual({ index: 1, waitMs: 600_000 });
    expect(read("index=1&wait=0")).toEqual({ index: 1, waitMs: 300_000 });
    expect(read("index=0")).toEqual({ index: 0, waitMs: 300_000 });
  });

  it("refuses an index that is not an unsigned 64-bit number with Consul's 400", () => {
    for (const index of ["abc", "-1", "1.5", "0x10", " 1", "18446744073709551616"]) expect(refusal(`index=${encodeURIComponent(index)}`)).toEqual({ status: 400, message: "Invalid index" });
    expect(read("index=18446744073709551615").index).toBeGreaterThan(0);
  });

  it("refuses a wait that is not a duration with Consul's 400, before looking at the index", () => {
    for (const wait of ["soon", "10", "5x", "1s2", "s"]) expect(refusal(`wait=${wait}`)).toEqual({ status: 400, message: "Invalid wait time" });
    expect(refusal("index=abc&wait=soon")).toEqual({ status: 400, message: "Invalid wait time" });
  });

  it("refuses conflicting consistency modes and a bad max_stale, as Consul does", () => {
    expect(refusal("stale&consistent")).toEqual({ status: 400, message: "Cannot specify ?stale with ?consistent, conflicting semantics." });
    expect(refusal("max_stale=5s&consistent")).toEqual({ status: 400, message: "Cannot specify ?stale with ?consistent, conflicting semantics." });
    expect(refusal("cached&consistent")).toEqual({ status: 400, message: "Cannot specify ?cached with ?consistent, conflicting semantics." });
    expect(refusal("max_stale=later")).toEqual({ status: 400, message: 'Invalid max_stale value "later"' });
    expect(read("stale&max_stale=10s")).toMatchObject({ index: 0 });
  });

  it("answers another datacenter as Consul does when it has no path there, and refuses ?filter rather than ignore it", () => {
    expect(refusal("dc=dc2")).toEqual({ status: 500, message: "No path to datacenter" });
    expect(read("dc=dc1")).toMatchObject({ index: 0 });
    expect(refusal("filter=Service.Port%3D%3D80")).toMatchObject({ status: 400, message: expect.stringContaining("?filter") });
  });
});
