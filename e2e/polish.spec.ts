import { expect, test, type Page } from "@playwright/test";

const inspector = (page: Page, name: string) => page.getByRole("complementary", { name: `Inspector: ${name}` });

test("ticking Run through /bin/sh lets $PORT expand; the revisions tell the two apart", async ({ page, request }) => {
  // Passed literally, "$PORT" is no port: the server can't listen and the instance never gets ready.
  const script = 'require("http").createServer((q, s) => s.end("ok")).listen(+process.argv[1])';
  const created = await request.post("/api/trpc/services.create", {
    data: { name: "shell-port", replicas: 1, template: { command: "node", args: ["-e", script, "$PORT"], restartPolicy: "never" } },
  });
  const id = (await created.json()).result.data.id as string;
  await page.goto(`/topology?service=${id}`);
  const panel = inspector(page, "shell-port");
  await panel.getByRole("tab", { name: "settings" }).click();
  const form = panel.getByRole("form", { name: "Edit shell-port" });
  await expect(form.getByLabel("Command")).toHaveValue(`node -e '${script}' '$PORT'`);
  await form.getByLabel("Run through /bin/sh -c").check();
  await expect(form.getByLabel("Command")).toHaveValue(`node -e '${script}' $PORT`);
  await form.getByRole("button", { name: "Save changes" }).click();
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(panel.getByTestId("inspector-ready")).toContainText("1/1 ready", { timeout: 15_000 });
  await panel.getByRole("tab", { name: "revisions" }).click();
  await expect(panel.getByTestId("revision-2")).toContainText(`/bin/sh -c 'node -e`);
  await expect(panel.getByTestId("revision-1")).toContainText(`node -e '${script}' '$PORT'`);
  await request.post("/api/trpc/services.delete", { data: { id } });
});
