#!/usr/bin/env node
// The `gantry` CLI: server/cli/main.ts, run from its bundle (built at first use, as `npm start` does).
import { runBundled } from "../scripts/run-bundled.mjs";

const { main } = await runBundled("server/cli/main.ts");
await main();
