import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureTemplate, tempDir, TEST_TOKEN, useTestGantry } from "../testing/gantry";
import { runCli } from "./cli-process";

const fixture = fixtureTemplate();

/** A gantry.yaml of one fixture service; `extra` lines go into its env. */
const gantryYaml = (env: string[]) =>
  [
    "version: 1",
    "services:",
    "  shop:",
    `    command: ${JSON.stringify(fixture.command)}`,
    `    args: [${JSON.stringify(fixture.args![0])}]`,
    "    env:",
    ...env.map((line) => `      ${line}`),
    "",
  ].join("\n");

describe("gantry apply, diff and export", () => {
  const t = useTestGantry();
  const dir = tempDir("cli-files");
  const env = () => ({ GANTRY_URL: t.gantry.url, GANTRY_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir("cli-config"), SHOP_TOKEN: "s3cret" });
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it("apply -f prints the plan and, with --yes, applies it; secrets come from the environment", async () => {
    const file = write("gantry.yaml", gantryYaml(["MODE: one", "TOKEN: { fromEnv: SHOP_TOKEN }"]));
    const refused = await runCli(["apply", "-f", file], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("gantry: not asking without a terminal: pass --yes to apply\n");
    expect(await t.api.services.list.query()).toEqual([]);

    const applied = await runCli(["apply", "-f", file, "--yes"], env());
    expect(applied).toMatchObject({ code: 0, stdout: "+ shop: created\napplied\n" });
    const [shop] = await t.api.services.list.query();
    expect(shop).toMatchObject({ name: "shop", replicas: 1 });
    expect(Object.keys(shop!.template.env).sort()).toEqual(["MODE", "TOKEN"]);

    expect(await runCli(["diff", "-f", file], env())).toMatchObject({ code: 0, stdout: "no changes (1 service as the file says)\n" });
  });

  it("diff -f shows a changed field and the rollout it would start, and changes nothing", async () => {
    const file = write("changed.yaml", gantryYaml(["MODE: two", "TOKEN: { fromEnv: SHOP_TOKEN }"]));
    const result = await runCli(["diff", "-f", file], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^~ shop: changed\n {4}env\.MODE: "one" -> "two"\n {4}rollout: revision 1 -> 2, /);
    expect((await t.api.services.list.query())[0]!.revision).toBe(1);
  });

  it("export → apply is a no-op", async () => {
    const exported = await runCli(["export"], env());
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("shop:");
    const file = write("exported.yaml", exported.stdout);
    const again = await runCli(["apply", "-f", file, "--yes"], env());
    expect(again).toMatchObject({ code: 0, stdout: "no changes (1 service as the file says)\n" });
  });

  it("a bad file exits 1 with its line and column; a missing one exits 1 too", async () => {
    const file = write("bad.yaml", gantryYaml(["MODE: one"]).replace("  shop:\n", "  shop:\n    replica: 2\n"));
    const bad = await runCli(["apply", "-f", file, "--yes"], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^gantry: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:5: .*replica`));
    const missing = await runCli(["diff", "-f", path.join(dir, "nope.yaml")], env());
    expect(missing).toMatchObject({ code: 1, stderr: `gantry: can't read ${path.join(dir, "nope.yaml")}: ENOENT\n` });
  });
});
