import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { runCli } from "../server/cli/cli-process";
import { bootstrapToken } from "../playwright.config";
import { inspector, node } from "./topology";

const file = `version: 1
services:
  ledger:
    command: node
    args: [service.mjs]
    cwd: examples/demo
    replicas: 0
`;

// A service applied from gantry.yaml with the CLI, then changed on the canvas: the canvas says it drifted, and `gantry diff` shows what.
test("scale an applied service on the canvas: it shows 'changed since apply' with the field, and gantry diff shows it", async ({ page, request, baseURL }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-e2e-config-"));
  const gantryYaml = path.join(dir, "gantry.yaml");
  fs.writeFileSync(gantryYaml, file);
  const gantry = (...args: string[]) => runCli(args, { GANTRY_URL: baseURL!, GANTRY_TOKEN: bootstrapToken, XDG_CONFIG_HOME: dir });
  expect(await gantry("apply", "-f", gantryYaml, "--yes")).toMatchObject({ code: 0, stdout: "+ ledger: created\napplied\n" });

  await page.goto("/topology");
  await node(page, "ledger").click();
  const panel = inspector(page, "ledger");
  await expect(node(page, "ledger").getByTestId("node-drift")).toHaveCount(0);
  await panel.getByRole("button", { name: "Scale ledger up" }).click();

  await expect(node(page, "ledger").getByTestId("node-drift")).toHaveText("changed since apply");
  const notice = panel.getByTestId("drift-notice");
  await notice.locator("summary").click();
  await expect(notice).toContainText("replicas: 0 → 1");

  const diff = await gantry("diff", "-f", gantryYaml);
  expect(diff.code).toBe(0);
  expect(diff.stdout).toMatch(/^~ ledger: changed\n {4}replicas: 1 -> 0\n/m);

  // Applying the file again puts it back, and the badge goes.
  expect((await gantry("apply", "-f", gantryYaml, "--yes")).code).toBe(0);
  await expect(node(page, "ledger").getByTestId("node-drift")).toHaveCount(0);
  const id = (await (await request.get("/api/trpc/services.list")).json()).result.data.find((s: { name: string }) => s.name === "ledger").id;
  await request.post("/api/trpc/services.delete", { data: { id } });
});
