import { describe, expect, it } from "vitest";
import { instanceTemplate } from "../contracts/service";
import { diffTemplates } from "./template-diff";

const template = (fields: object) => instanceTemplate.parse({ command: "node", ...fields });

describe("diffTemplates", () => {
  it("lists changed fields, env entries and probes one by one", () => {
    const before = template({ args: ["a.js"], env: { MODE: "blue", KEEP: "1", GONE: "x" } });
    const after = template({ args: ["b.js"], env: { MODE: "green", KEEP: "1", NEW: "y" }, probes: { readiness: { kind: "tcp" } } });
    expect(diffTemplates(before, after)).toEqual([
      { path: "args", before: ["a.js"], after: ["b.js"] },
      { path: "env.GONE", before: "x", after: null },
      { path: "env.MODE", before: "blue", after: "green" },
      { path: "env.NEW", before: null, after: "y" },
      { path: "probes.readiness", before: null, after: expect.objectContaining({ kind: "tcp" }) },
    ]);
  });

  it("never shows a secret value, only that it changed", () => {
    const before = template({ env: { TOKEN: "sealed:v1:aaa", OTHER: "sealed:v1:same" }, secretEnv: ["TOKEN", "OTHER"] });
    const after = template({ env: { TOKEN: "sealed:v1:bbb", OTHER: "sealed:v1:same" }, secretEnv: ["TOKEN", "OTHER"] });
    expect(diffTemplates(before, after)).toEqual([{ path: "env.TOKEN", before: "<secret>", after: "<secret>" }]);
  });

  it("hides a value that was plain in an old revision once the name is secret anywhere", () => {
    const leaked = template({ env: { TOKEN: "plain-old" } });
    const rotated = template({ env: { TOKEN: "sealed:v1:new" }, secretEnv: ["TOKEN"] });
    expect(diffTemplates(leaked, rotated)).toContainEqual({ path: "env.TOKEN", before: "<secret>", after: "<secret>" });
    expect(JSON.stringify(diffTemplates(leaked, template({ env: {} }), ["TOKEN"]))).not.toContain("plain-old");
  });

  it("an identical template has no changes", () => {
    expect(diffTemplates(template({ env: { A: "1" } }), template({ env: { A: "1" } }))).toEqual([]);
  });
});
