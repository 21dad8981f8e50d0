#!/usr/bin/env node
// The `gantry` CLI. Gantry runs its TypeScript through tsx, as `npm start` does; this loads it and
// hands over to server/cli/main.ts.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../server/cli/main.ts");
await main();
