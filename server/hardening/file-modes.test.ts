import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureTemplate, tempDir, useTestGantry } from "../testing/gantry";
import { waitFor } from "../testing/wait";

const dataDir = tempDir("modes");

describe("hardening: what instances print is readable by Gantry's user alone", () => {
  const server = useTestGantry({ dataDir, databaseUrl: undefined });

  it("writes instance logs 0600 in folders 0700, inside a 0700 data dir", async () => {
    const service = await server.api.services.create.mutate({ name: "chatty", template: fixtureTemplate() });
    const [instance] = await waitFor(async () => {
      const list = await server.api.instances.list.query({ serviceId: service.id });
      return list.some((i) => i.ready) ? list : undefined;
    }, "ready");
    await fetch(`http://127.0.0.1:${instance!.port}/say?text=secret-ish`);
    const logs = path.join(dataDir, "logs", instance!.id);
    await waitFor(() => (fs.existsSync(path.join(logs, "output.log")) ? true : undefined), "output.log");
    const loose: string[] = [];
    const walk = (dir: string) => {
      if ((fs.statSync(dir).mode & 0o077) !== 0) loose.push(`${dir}/ ${(fs.statSync(dir).mode & 0o777).toString(8)}`);
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if ((fs.statSync(full).mode & 0o077) !== 0) loose.push(`${full} ${(fs.statSync(full).mode & 0o777).toString(8)}`);
      }
    };
    walk(path.join(dataDir, "logs"));
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(loose).toEqual([]);
  });
});
