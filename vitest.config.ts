import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["server/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One test file per core (vitest's default leaves one of the two CI cores to the main process).
    maxWorkers: 2,
    // A worker's test files share its modules: evaluating the server's modules afresh for each of
    // 170 files took more CPU than most tests (vitest's "import" 207 s; the run 635 s → 441 s without).
    // Safe while no test mocks a module, stubs a global or leaves process.env changed
    // (server/testing/shared-modules.test.ts fails a test file that does).
    isolate: false,
    // Under CI a failed test runs once more and the report says "retry x1": the integration tests
    // run real processes on a shared 2-core machine, where one slow moment is not a regression.
    retry: process.env.CI ? 1 : 0,
  },
});
