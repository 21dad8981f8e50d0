import { expect, test } from "@playwright/test";
import { testDocker } from "../server/testing/docker";
import { inspector, node } from "./topology";

// A service whose instances are Docker containers, made on the canvas (the daemon at DOCKER_HOST; CI starts one).
test("drag a container service onto the canvas: it goes ready, its logs show, + adds a container", async ({ page, request }) => {
  const docker = await testDocker();
  test.skip(!docker, "no Docker daemon (scripts/docker-test-daemon.sh starts one)");

  await page.goto("/topology");
  await expect(node(page, "api")).toBeVisible();
  const canvas = page.getByTestId("topology-canvas");
  const box = (await canvas.boundingBox())!;
  await page.getByRole("button", { name: "+ New service" }).dragTo(canvas, { targetPosition: { x: box.width * 0.6, y: box.height - 120 } });

  const form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill("boxes");
  await form.getByLabel("Runs as").selectOption("docker");
  await form.getByLabel("Image").fill(docker!.image);
  await form.getByText("Run through").click(); // first: ticked after typing, it would quote the line's words
  await form.getByLabel("Command").fill("echo box up on $PORT && mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p $PORT -h /www");
  await form.getByRole("button", { name: "Create service" }).click();

  const panel = inspector(page, "boxes");
  await expect(panel).toBeVisible();
  await expect(node(page, "boxes").getByTestId("node-container")).toBeVisible();
  await expect(node(page, "boxes").getByTestId("node-ready")).toHaveText("1/1 ready", { timeout: 30_000 });

  await panel.getByRole("tab", { name: "logs" }).click();
  await expect(panel.getByTestId("log-line").filter({ hasText: /box up on \d+/ })).toHaveCount(1);

  await panel.getByRole("button", { name: "Scale boxes up" }).click();
  await expect(node(page, "boxes").getByTestId("node-ready")).toHaveText("2/2 ready", { timeout: 30_000 });

  // The instance table names each container and the image digest it runs.
  await page.goto("/services");
  const card = page.getByTestId("service-boxes");
  await expect(card.getByTestId("runtime")).toHaveCount(2);
  for (const cell of await card.getByTestId("runtime").all()) await expect(cell).toHaveText(/^[a-f0-9]{12}sha256:[a-f0-9]{12}$/);

  const id = (await (await request.get(`/api/trpc/services.list`)).json()).result.data.find((s: { name: string }) => s.name === "boxes").id;
  await request.post("/api/trpc/services.delete", { data: { id } });
  await expect.poll(async () => (await docker!.docker.listContainers({ all: true, filters: { label: [`gantry.service=${id}`] } })).length, { timeout: 20_000 }).toBe(0);
});
