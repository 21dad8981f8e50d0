import { expect, test as setup } from "@playwright/test";
import { admin, adminState } from "../playwright.config";

// Every other test starts signed in as the admin Gantry created at boot.
setup("sign in as the admin", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("user-menu")).toContainText("admin");
  await page.context().storageState({ path: adminState });
});
