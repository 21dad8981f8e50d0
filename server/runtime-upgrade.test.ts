import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processStartTime } from "./lib/proc";
import { silentLogger } from "./lib/logger";
import { openDatabase } from "./store/database";
import { defaultMigrationsDir, migrate } from "./store/migrate";
import { apiClient, startTestGantry, tempDir } from "./testing/gantry";
import { isAlive } from "./testing/processes";
import { waitFor } from "./testing/wait";

describe("upgrading a data dir whose instances were recorded by pid", () => {
  it("adopts the process running across the upgrade, now as its runtime details", { timeout: 60_000 }, async () => {
    const dataDir = tempDir("runtime-upgrade");
    const before = tempDir("old-migrations");
    for (const name of fs.readdirSync(defaultMigrationsDir).filter((n) => n < "20261201165313_instance_runtime" && !n.endsWith(".toml"))) {
      fs.cpSync(path.join(defaultMigrationsDir, name), path.join(before, name), { recursive: true });
    }
    // An instance the old Gantry started and left running.
    const leader = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    leader.unref();
    await new Promise((resolve) => leader.once("spawn", resolve));
    const pid = leader.pid!;
    const old = await openDatabase(undefined, dataDir);
    await migrate(old.prisma, silentLogger, before);
    const serviceId = "6f1c1c2e-8f37-4d6b-9a59-0a5c1b2d3e4f";
    const template = JSON.stringify({ command: "sleep", args: ["300"], listens: false });
    await old.prisma.$executeRawUnsafe(`INSERT INTO "Service" ("id", "name", "replicas", "template", "updatedAt") VALUES ('${serviceId}', 'sleeper', 1, '${template}', now())`);
    await old.prisma.$executeRawUnsafe(`INSERT INTO "Revision" ("id", "serviceId", "number", "template") VALUES (gen_random_uuid(), '${serviceId}', 1, '${template}')`);
    await old.prisma.$executeRawUnsafe(
      `INSERT INTO "Instance" ("id", "serviceId", "revision", "phase", "ready", "pid", "pidStartTime", "port", "startedAt", "updatedAt") VALUES ('sleeper-old01', '${serviceId}', 1, 'Running', true, ${pid}, ${processStartTime(pid)}, 41999, now(), now())`,
    );
    await old.close();

    const gantry = await startTestGantry({ dataDir, databaseUrl: undefined, demo: false });
    try {
      const api = apiClient(gantry);
      const adopted = await waitFor(async () => (await api.instances.list.query({ serviceId })).find((i) => i.phase === "Running"), "the instance adopted");
      expect(adopted).toMatchObject({ id: "sleeper-old01", runtime: { kind: "process", pid } });
      expect((await api.events.list.query({ serviceId, kind: "instance.adopted" })).map((e) => e.message)).toEqual([`adopted sleeper-old01 (pid ${pid}) left running by the previous Gantry`]);
      await api.services.scale.mutate({ id: serviceId, replicas: 0 });
      await waitFor(() => (isAlive(pid) ? undefined : true), "the adopted process stopped");
    } finally {
      await gantry.stop();
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});
