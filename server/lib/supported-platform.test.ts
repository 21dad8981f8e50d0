import { describe, expect, it } from "vitest";
import { unsupportedPlatform } from "./supported-platform";

describe("the supported platform", () => {
  it("is Linux, and anything else is refused with a reason", () => {
    expect(unsupportedPlatform("linux")).toBeUndefined();
    expect(unsupportedPlatform("darwin")).toMatch(/^Gantry runs on Linux only \(this is darwin\): it reads \/proc/);
    expect(unsupportedPlatform("win32")).toContain("this is win32");
  });
});
