import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
/** The gateway of the Gantry under test (the e2e tests send traffic through it). */
export const ingressPort = port + 1;
/** The admin the Gantry under test creates at boot (GANTRY_ADMIN_PASSWORD); tests run signed in as them. */
export const admin = { username: "admin", password: "e2e-admin-password" };
/** An admin API token from the first boot, for tests that drive the API as a script would. */
export const bootstrapToken = "e2e-bootstrap-token-0123456789abcdef";
export const adminState = ".tmp/e2e-admin.json";
/** One block of swarm task ports per E2E_PORT, apart from the integration tests' blocks (600-649). */
const swarmBlock = 650 + (Math.floor(port / 100) % 5);
const swarmPorts = `${swarmBlock * 100 + 1}-${swarmBlock * 100 + 99}`;

export default defineConfig({
  testDir: "e2e",
  outputDir: ".tmp/e2e-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  // As Playwright's own template: under CI a failed test runs once more and is reported as flaky.
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"]],
  projects: [
    { name: "sign-in", testMatch: /sign-in\.setup\.ts/ },
    { name: "dashboard", dependencies: ["sign-in"], use: { storageState: adminState } },
  ],
  use: {
    baseURL,
    // The dashboard sends this with every change; the tests' own API calls (as the signed-in admin) do too.
    extraHTTPHeaders: { "x-gantry-csrf": "1" },
    viewport: { width: 1280, height: 800 },
    // Recorded on the retry of a failed test, as Playwright's own template does: recording every test
    // (retain-on-failure) kept Chromium's browser and GPU processes busy with screencast frames, and
    // the suite took 7.4 min instead of 5.1 on the 2 cores.
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download is not available offline.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // A fresh data dir per run; the production build comes from `npm run build` (see test:e2e).
    command: "rm -rf .tmp/e2e-data && node scripts/run-bundled.mjs server/main.ts",
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    // SIGTERM, so Gantry stops its instances instead of leaving them behind.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    stdout: "ignore",
    stderr: "pipe",
    env: {
      GANTRY_PORT: String(port),
      GANTRY_DATA_DIR: ".tmp/e2e-data",
      GANTRY_DEMO: "1",
      // Ports of their own, so a Gantry running beside the tests doesn't collide.
      GANTRY_INGRESS_PORT: String(ingressPort),
      // Room for the canvas spec's big topology (OVERVIEW_MIN_SERVICES services, a listener each).
      GANTRY_LISTENER_PORT_RANGE: `${port + 400}-${port + 699}`,
      GANTRY_PORT_RANGE: `${port + 100}-${port + 399}`,
      GANTRY_ADMIN_PASSWORD: admin.password,
      GANTRY_BOOTSTRAP_TOKEN: bootstrapToken,
      // An etcd that isn't there: the Integrations page shows the mirror failing, with why.
      GANTRY_ETCD_ENDPOINTS: `http://127.0.0.1:${port + 9}`,
      // The swarm of the tests' own, when there is one (CI starts it): the Nodes page lists it.
      ...(process.env.GANTRY_SWARM_HOST ? { GANTRY_SWARM: "1", GANTRY_SWARM_HOST: process.env.GANTRY_SWARM_HOST, GANTRY_SWARM_PORT_RANGE: swarmPorts } : {}),
      // Alerts evaluated every second: the alerts spec sees one fire without waiting for the default 5 s.
      GANTRY_ALERT_INTERVAL: "1s",
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
