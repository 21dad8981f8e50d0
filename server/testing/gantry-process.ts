import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeEach } from "vitest";
import { projectRoot } from "../gantry";
import { apiClient, TEST_TOKEN, testListenerRange, testPortRange, type ApiClient } from "./gantry";
import { seedGantryDatabase } from "./pglite-snapshot";
import { waitFor } from "./wait";

export type GantryProcess = {
  child: ChildProcess;
  url: string;
  api: ApiClient;
  exited: Promise<void>;
  /** The end of what it wrote to stderr (a boot that failed says why there), if run with `captureStderr`. */
  stderr(): string;
};

const STDERR_KEPT = 8192;

/**
 * Real Gantry processes (server/main.ts, headless) for a describe block, for what only a process
 * can show: being killed, restarted on the same data dir, its children's environment. Those still
 * running after the block (or before a retry) are stopped with SIGTERM, so they take their data
 * planes with them.
 */
export function useGantryProcesses(): {
  /** Resolves once it answers /readyz. A new data dir starts with a migrated database (see seedGantryDatabase): a first boot's initdb costs seconds of CPU. */
  start(dataDir: string, port: number, env?: Record<string, string>): Promise<GantryProcess>;
  /** Without waiting for anything (a boot that is meant to fail). */
  run(dataDir: string, port: number, env?: Record<string, string>, options?: { captureStderr?: boolean }): GantryProcess;
} {
  const running = new Set<GantryProcess>();
  const stopAll = () =>
    Promise.all(
      [...running].map(async (gantry) => {
        gantry.child.kill("SIGTERM");
        const timer = setTimeout(() => gantry.child.kill("SIGKILL"), 20_000);
        await gantry.exited;
        clearTimeout(timer);
      }),
    );
  afterAll(stopAll);
  // A test CI runs again (vitest's retry) starts without the Gantrys its failed try left, whose
  // ports and data dirs it would otherwise find taken.
  beforeEach(async ({ task }) => {
    if (task.result?.retryCount) await stopAll();
  });

  const run = (dataDir: string, port: number, env: Record<string, string> = {}, options: { captureStderr?: boolean } = {}) => {
      const child = spawn(process.execPath, [path.join(projectRoot, "scripts/run-bundled.mjs"), "server/main.ts"], {
        cwd: projectRoot,
        env: {
          ...process.env,
          GANTRY_PORT: String(port),
          GANTRY_DATA_DIR: dataDir,
          GANTRY_DEMO: "0",
          GANTRY_DASHBOARD: "0",
          GANTRY_PORT_RANGE: `${testPortRange().from + 500}-${testPortRange().to}`,
          GANTRY_LISTENER_PORT_RANGE: `${testListenerRange().from + 100}-${testListenerRange().to}`,
          GANTRY_INGRESS_PORT: "0",
          GANTRY_BOOTSTRAP_TOKEN: TEST_TOKEN,
          // A data plane left by a test that killed its Gantry must not hold the test ports for long.
          GANTRY_DATA_PLANE_ORPHAN_TIMEOUT: "20s",
          LOG_LEVEL: "warn",
          ...env,
        },
        // Captured only when asked: the launcher of probes' commands inherits it and may outlive this test.
        stdio: ["ignore", "ignore", options.captureStderr ? "pipe" : "ignore"],
      });
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT)));
      const url = `http://127.0.0.1:${port}`;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const gantry: GantryProcess = { child, url, api: apiClient({ url }), exited, stderr: () => stderr };
      running.add(gantry);
      void gantry.exited.then(() => running.delete(gantry));
      return gantry;
  };
  return {
    run,
    async start(dataDir, port, env = {}) {
      await seedGantryDatabase(dataDir, env.DATABASE_URL ?? process.env.DATABASE_URL);
      const gantry = run(dataDir, port, env);
      // A boot that ends says so at once, rather than as a minute's timeout (once ready, its end is no one's error).
      const ended = gantry.exited.then(() => {
        throw new Error(`Gantry on ${port} exited (${gantry.child.exitCode ?? gantry.child.signalCode}) before it was ready`);
      });
      ended.catch(() => {});
      await Promise.race([ended, waitFor(async () => ((await fetch(`${gantry.url}/readyz`).catch(() => undefined))?.ok ? true : undefined), `Gantry on ${port} ready`, 60_000)]);
      return gantry;
    },
  };
}
