import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["server/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    // Most files wait on processes, sockets and timers rather than compute: a third worker on two
    // cores keeps both busy (measured: see the README's Tests section).
    maxWorkers: 3,
    hookTimeout: 60_000,
  },
});
