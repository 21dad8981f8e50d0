import { describe, expect, it } from "vitest";
import type { ConfigDiff } from "../contracts/config";
import type { PlanPreview } from "../contracts/rollout";
import { hasChanges, renderPlan } from "./plan";

const empty: ConfigDiff = { services: [], dependencies: { added: [], removed: [] }, external: { added: [], removed: [] }, alerts: null, secrets: [] };
const rollout = { revision: { from: 1, to: 2 }, starts: 2, stops: 2, waves: [[], [], []], peak: 3, lowestReady: 2 } as unknown as PlanPreview;

describe("plan rendering", () => {
  it("marks created, changed (with fields and rollout) and deleted services, edges, external services and alert rules and receivers", () => {
    const diff: ConfigDiff = {
      services: [
        { name: "api", kind: "service", action: "changed", changes: [{ path: "env.LOG_LEVEL", before: "info", after: "debug" }, { path: "replicas", before: null, after: 2 }], rollout },
        { name: "web", kind: "service", action: "created" },
        { name: "old", kind: "service", action: "deleted" },
        { name: "db", kind: "service", action: "unchanged" },
      ],
      dependencies: { added: [{ from: "web", to: "api" }], removed: [] },
      external: { added: [], removed: ["legacy"] },
      alerts: { rules: { created: ["high-error-rate"], changed: ["service-down"], deleted: [] }, receivers: { created: [], changed: [], deleted: ["old-hook"] } },
      secrets: [{ service: "api", variable: "DB_PASSWORD", ref: { fromEnv: "DB_PASSWORD" } }],
    };
    expect(hasChanges(diff)).toBe(true);
    expect(renderPlan(diff)).toBe(
      [
        "~ api: changed",
        '    env.LOG_LEVEL: "info" -> "debug"',
        "    replicas: (none) -> 2",
        "    rollout: revision 1 -> 2, 2 to start, 2 to stop in 3 waves; at most 3 running, at least 2 ready",
        "+ web: created",
        "- old: deleted",
        "+ dependency web -> api",
        "- external legacy",
        "+ alert rule high-error-rate",
        "~ alert rule service-down: changed",
        "- alert receiver old-hook",
        "(1 service unchanged)",
        "! api: DB_PASSWORD (fromEnv DB_PASSWORD) has no value here: the stored one is kept, if there is one",
        "",
      ].join("\n"),
    );
  });

  it("says when nothing would change", () => {
    const same: ConfigDiff = { ...empty, services: [{ name: "api", kind: "service", action: "unchanged" }] };
    expect(hasChanges(same)).toBe(false);
    expect(renderPlan(same)).toBe("no changes (1 service as the file says)\n");
    expect(hasChanges({ ...empty, external: { added: ["payments"], removed: [] } })).toBe(true);
    expect(hasChanges({ ...empty, alerts: { rules: { created: [], changed: [], deleted: [] }, receivers: { created: [], changed: [], deleted: [] } } })).toBe(false);
  });
});
