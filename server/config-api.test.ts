import { describe, expect, it } from "vitest";
import type { Role } from "./contracts/access";
import { apiClient, useTestGantry, type ApiClient } from "./testing/gantry";

async function tokenFor(api: ApiClient, username: string, role: Role) {
  const user = await api.users.create.mutate({ username, password: "correct horse battery staple", role });
  return (await api.tokens.create.mutate({ name: "test", role, userId: user.id })).secret;
}

const file = (replicas: number, level: string) =>
  `services:\n  web:\n    command: node\n    replicas: ${replicas}\n    env:\n      LOG_LEVEL: ${level}\n    dependsOn: [store]\n  store:\n    command: node\n    replicas: 0\n`;

describe("config.* over the API", () => {
  const context = useTestGantry();

  it("viewers diff and export, only editors apply; apply starts the rollout an edit would", async () => {
    const { api, gantry } = context;
    const viewer = apiClient(gantry, await tokenFor(api, "config-viewer", "viewer"));
    const editor = apiClient(gantry, await tokenFor(api, "config-editor", "editor"));

    const diff = await viewer.config.diff.mutate({ yaml: file(0, "info") });
    expect(diff.services.map((s) => s.action)).toEqual(["created", "created"]);
    await expect(viewer.config.applyFile.mutate({ yaml: file(0, "info") })).rejects.toThrow(/needs the editor role/);
    const applied = await editor.config.applyFile.mutate({ yaml: file(0, "info") });
    expect(applied.changed).toBe(true);

    const changed = await viewer.config.diff.mutate({ yaml: file(0, "debug") });
    const web = changed.services.find((s) => s.name === "web");
    expect(web).toMatchObject({ action: "changed", changes: [{ path: "env.LOG_LEVEL", before: "info", after: "debug" }], rollout: { revision: { from: 1, to: 2 } } });

    await editor.config.applyFile.mutate({ yaml: file(0, "debug") });
    const services = await api.services.list.query();
    const id = services.find((s) => s.name === "web")!.id;
    const [rollout] = await api.rollouts.list.query({ serviceId: id });
    expect(rollout).toMatchObject({ fromRevision: 1, toRevision: 2, cause: "update" });

    const exported = await viewer.config.export.query({});
    expect(exported.yaml).toBe("version: 1\nservices:\n  store:\n    command: node\n    replicas: 0\n  web:\n    command: node\n    env:\n      LOG_LEVEL: debug\n    replicas: 0\n    dependsOn:\n      - store\n");
  });

  it("a bad file is refused with its line and column, and a canvas edit shows as drift", async () => {
    const { api } = context;
    await expect(api.config.applyFile.mutate({ yaml: "services:\n  web:\n    comand: node\n", file: "ops/gantry.yaml" })).rejects.toThrow("ops/gantry.yaml:3:5: services.web.comand: unknown key comand");

    const web = (await api.services.list.query()).find((s) => s.name === "web")!;
    expect((await api.config.drift.query()).find((d) => d.name === "web")).toMatchObject({ applied: true, changedSinceApply: false });
    await api.services.update.mutate({ id: web.id, version: web.version, patch: { traffic: { retries: 4 } } });
    expect((await api.config.drift.query()).find((d) => d.name === "web")).toMatchObject({ changedSinceApply: true, changes: [{ path: "traffic.retries", before: 2, after: 4 }] });
  });
});
