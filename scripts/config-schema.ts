// Writes gantry.schema.json (the JSON Schema of gantry.yaml) from the zod schema: `npm run config:schema`.
// A unit test (server/config/schema.test.ts) fails when the committed file is stale.
import fs from "node:fs";
import path from "node:path";
import { configSchemaText } from "../server/config/schema";

const target = path.resolve(import.meta.dirname, "..", "gantry.schema.json");
fs.writeFileSync(target, configSchemaText());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
