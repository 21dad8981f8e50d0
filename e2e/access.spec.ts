import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, request, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { startOidcProvider, type TestOidcProvider } from "../server/testing/oidc-provider";

// A Gantry of its own, from a first start (no user yet, so it prints the setup link), with single
// sign-on through a real OpenID provider. Ports apart from the shared e2e Gantry's.
const port = Number(process.env.E2E_PORT ?? 3100) + 500;
const base = `http://127.0.0.1:${port}`;
const PASSWORD = "e2e access password";
let gantry: ChildProcess;
let provider: TestOidcProvider;
let setupUrl: string;
/** Every browser the tests open, closed before this Gantry stops (or their pages would be left asking to sign in). */
const contexts: BrowserContext[] = [];
const newContext = async (browser: Browser): Promise<BrowserContext> => {
  const context = await browser.newContext({ baseURL: base, extraHTTPHeaders: {} });
  contexts.push(context);
  return context;
};

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  const pending = await startOidcProvider({ groupsOf: (login) => (login === "olivia" ? ["ops"] : []) });
  if (!("configure" in pending)) throw new Error("expected a provider to configure");
  provider = pending.configure(`${base}/api/auth/oidc/callback`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-e2e-access-"));
  gantry = spawn(process.execPath, ["scripts/run-bundled.mjs", "server/main.ts"], {
    env: {
      ...process.env,
      GANTRY_PORT: String(port),
      GANTRY_DATA_DIR: dataDir,
      GANTRY_INGRESS_PORT: "0",
      GANTRY_LISTENER_PORT_RANGE: `${port + 10}-${port + 99}`,
      GANTRY_PORT_RANGE: `${port + 100}-${port + 399}`,
      GANTRY_OIDC_ISSUER: provider.issuer,
      GANTRY_OIDC_CLIENT_ID: provider.clientId,
      GANTRY_OIDC_CLIENT_SECRET: provider.clientSecret,
      GANTRY_OIDC_NAME: "Test ID",
      GANTRY_OIDC_SCOPES: "openid profile groups",
      GANTRY_OIDC_ROLES: "ops=operator",
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  setupUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no setup link printed; output: ${output}`)), 60_000);
    gantry.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const link = /(http:\/\/\S+\/setup\?token=\S+)/.exec(output)?.[1];
      if (link) (clearTimeout(timer), resolve(link));
    });
    gantry.once("exit", (code) => reject(new Error(`Gantry exited (${code}): ${output}`)));
  });
});

test.afterAll(async () => {
  for (const context of contexts.splice(0)) await context.close();
  if (gantry && gantry.exitCode === null) {
    gantry.kill("SIGTERM");
    await new Promise((resolve) => gantry.once("exit", resolve));
  }
  await provider?.close();
});

/** A fresh browser (no cookies, none of the suite's headers) signed in with a password. */
async function signedIn(browser: Browser, username: string): Promise<Page> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto("/topology");
  await expect(page).toHaveURL(/\/login\?next=%2Ftopology/);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("user-menu")).toContainText(username);
  return page;
}

const apiService = async (page: Page) => {
  const res = await page.request.get("/api/trpc/services.list");
  return ((await res.json()).result.data as Array<{ id: string; name: string; replicas: number }>).find((s) => s.name === "api")!;
};

test("first start → admin; an operator and a viewer; the viewer can look but not touch; the operator scales", async ({ browser }) => {
  const context = await newContext(browser);
  const admin = await context.newPage();
  await admin.goto(setupUrl);
  await admin.getByLabel("Username").fill("root");
  await admin.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await admin.getByLabel("Password again").fill(PASSWORD);
  await admin.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(admin).toHaveURL(/\/topology/);
  await expect(admin.getByTestId("user-menu")).toContainText("root");

  await admin.getByRole("link", { name: "Users" }).click();
  for (const [username, role] of [["oscar", "operator"], ["vera", "viewer"]] as const) {
    await admin.getByRole("button", { name: "Add user" }).click();
    const form = admin.getByRole("form", { name: "Add user" });
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByLabel("Role").selectOption(role);
    await form.getByRole("button", { name: "Create user" }).click();
    await expect(admin.getByTestId(`user-${username}`)).toContainText(role);
  }

  const viewer = await signedIn(browser, "vera");
  await expect(viewer.getByTestId("topology-canvas")).toContainText("api");
  await expect(viewer.getByRole("button", { name: "+ New service" })).toBeDisabled();
  await expect(viewer.getByRole("button", { name: "+ New service" })).toHaveAttribute("title", "Needs the editor role (you are viewer)");
  await viewer.getByTestId("topology-canvas").getByText("api", { exact: true }).click();
  await expect(viewer.getByRole("button", { name: "Scale api up" })).toBeDisabled();
  await expect(viewer.getByRole("link", { name: "Users" })).toHaveCount(0);
  const api = await apiService(viewer);
  const refused = await viewer.request.post("/api/trpc/services.scale", { data: { id: api.id, replicas: 5 }, headers: { "x-gantry-csrf": "1" } });
  expect(refused.status()).toBe(403);

  const operator = await signedIn(browser, "oscar");
  await operator.getByTestId("topology-canvas").getByText("api", { exact: true }).click();
  await operator.getByRole("button", { name: "Scale api up" }).click();
  await expect(operator.getByLabel("Replicas of api")).toHaveValue(String(api.replicas + 1));
  await expect.poll(async () => (await apiService(operator)).replicas).toBe(api.replicas + 1);
  // The viewer's open canvas follows live, though it may not act.
  await expect(viewer.getByLabel("Replicas of api")).toHaveValue(String(api.replicas + 1));
});

test("a token scales from a script; revoking it in the dashboard refuses the next call", async ({ browser }) => {
  const admin = await signedIn(browser, "root");
  await admin.getByRole("link", { name: "API tokens" }).click();
  await admin.getByRole("button", { name: "New token" }).click();
  const form = admin.getByRole("form", { name: "New token" });
  await form.getByLabel("Name").fill("deploy-bot");
  await form.getByLabel("Role").selectOption("operator");
  await form.getByRole("button", { name: "Create token" }).click();
  const secret = (await admin.getByTestId("token-secret").textContent())!.trim();
  expect(secret).toMatch(/^gantry_/);
  await expect(admin.getByTestId("token-usage")).toContainText(`Authorization: Bearer ${secret}`);

  // As curl would: no cookie, no browser, just the token.
  const script = await request.newContext({ baseURL: base, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
  const api = await apiService(admin);
  const scaled = await script.post("/api/trpc/services.scale", { data: { id: api.id, replicas: api.replicas + 1 } });
  expect(scaled.status()).toBe(200);

  await admin.getByRole("button", { name: "I've copied it" }).click();
  await admin.getByRole("button", { name: "Revoke deploy-bot of root" }).click();
  await admin.getByRole("button", { name: "Revoke token" }).click();
  await expect(admin.getByTestId("token-deploy-bot")).toHaveCount(0);
  const after = await script.post("/api/trpc/services.scale", { data: { id: api.id, replicas: api.replicas } });
  expect(after.status()).toBe(401);
  await script.dispose();

  // The admin re-seals every secret with a new key from the Users page.
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: "Rotate secret key" }).click();
  await admin.getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(admin.getByRole("status")).toContainText("Re-sealed 0 secret value(s) with a new key.");

  // Every change carries who made it; the events page filters by actor.
  await admin.getByRole("link", { name: "Events" }).click();
  await admin.getByLabel("Filter by actor").fill("user:root");
  await expect(admin.getByText("scaled api from")).toHaveCount(1);
  await expect(admin.getByText("revoked API token deploy-bot of root")).toBeVisible();
});

test("single sign-on through the OpenID provider lands with the mapped role", async ({ browser }) => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto("/services");
  await page.getByRole("link", { name: "Sign in with Test ID" }).click();
  // The provider's own pages: its development login form, then consent.
  await page.locator('input[name="login"]').fill("olivia");
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(`${base}/services`);
  await expect(page.getByTestId("user-menu")).toContainText("olivia");
  await expect(page.getByTestId("user-menu")).toContainText("operator");
  await expect(page.getByRole("button", { name: "Scale api up" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "New service" })).toBeDisabled();
});

test("a session that ends mid-edit brings up sign-in over the form, which keeps what was typed", async ({ browser }) => {
  const page = await signedIn(browser, "root");
  await page.goto("/services");
  await page.getByRole("button", { name: "New service" }).click();
  const form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill("half-typed");
  await form.getByLabel("Command").fill("node server.js");
  // Signed out elsewhere ("sign out everywhere" from another device).
  const other = await signedIn(browser, "root");
  await other.goto("/account");
  await other.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(other).toHaveURL(/\/login/);

  await expect(page.getByRole("dialog", { name: "Sign in again" })).toBeVisible();
  const dialog = page.getByRole("dialog", { name: "Sign in again" });
  await dialog.getByLabel("Username").fill("root");
  await dialog.getByLabel("Password").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(form.getByLabel("Name")).toHaveValue("half-typed");
  await form.getByRole("button", { name: "Create service" }).click();
  await expect(page.getByText("Created half-typed.")).toBeVisible();
});
