import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema, configSchemaText } from "./schema";

const committed = path.resolve(import.meta.dirname, "../../gantry.schema.json");

describe("gantry.schema.json", () => {
  it("is what the zod schema generates (run `npm run config:schema` after changing the format)", () => {
    expect(fs.readFileSync(committed, "utf8")).toBe(configSchemaText());
  });

  it("tells editors what a file may hold: unknown keys refused, defaults optional, secrets by reference", () => {
    const schema = configJsonSchema() as { additionalProperties: boolean; properties: { services: { additionalProperties: Record<string, unknown> } } };
    expect(schema.additionalProperties).toBe(false);
    const service = schema.properties.services.additionalProperties as { additionalProperties: boolean; required?: string[]; properties: Record<string, unknown> };
    expect(service.additionalProperties).toBe(false);
    expect(service.required ?? []).toEqual([]);
    expect(JSON.stringify(service.properties.env)).toContain("fromEnv");
    expect(Object.keys(service.properties)).toEqual(expect.arrayContaining(["runtime", "image", "probes", "replicas", "traffic", "strategy", "dependsOn"]));
  });
});
