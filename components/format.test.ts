import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatMs, formatPercent, formatRate } from "./format";

describe("formatting", () => {
  it.each([
    [null, "—"],
    [512, "512 B"],
    [1536, "1.5 KiB"],
    [44_040_192, "42.0 MiB"],
    [200 * 1024 * 1024, "200 MiB"],
  ])("formatBytes(%j) = %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [0, "0s"],
    [59_999, "59s"],
    [93_000, "1m 33s"],
    [3_600_000, "1h"],
    [90_061_000, "1d 1h"],
  ])("formatDuration(%d) = %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

  it("formatPercent keeps one decimal below 10%", () => {
    expect([formatPercent(null), formatPercent(0.25), formatPercent(57.4)]).toEqual(["—", "0.3%", "57%"]);
  });

  it.each([
    [0, "0.0/s"],
    [0.25, "0.3/s"],
    [12.34, "12/s"],
    [1234, "1.2k/s"],
  ])("formatRate(%d) = %s", (rps, text) => expect(formatRate(rps)).toBe(text));

  it.each([
    [null, "—"],
    [0.42, "0.4 ms"],
    [12.7, "13 ms"],
    [2300, "2.3 s"],
  ])("formatMs(%j) = %s", (ms, text) => expect(formatMs(ms)).toBe(text));
});
