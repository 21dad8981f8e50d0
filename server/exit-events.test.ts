import { describe, expect, it } from "vitest";
import { fixtureTemplate, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";
import { pidOf } from "./testing/processes";

describe("every exit of an instance's process is an event with its code or signal", () => {
  const server = useTestGantry();

  it("says who was killed by which signal from outside, what a requested restart ended, and how a stop ended", async () => {
    const service = await server.api.services.create.mutate({ name: "victim", template: fixtureTemplate() });
    const ready = async (notPid?: number | null) =>
      waitFor(async () => (await server.api.instances.list.query({ serviceId: service.id })).find((i) => i.ready && pidOf(i) && pidOf(i) !== notPid), "ready");
    const events = async (kind: string) => (await server.api.events.list.query({ serviceId: service.id, kind })).map((e) => ({ message: e.message, data: e.data }));

    process.kill(pidOf(await ready())!, "SIGKILL");
    await waitFor(async () => ((await events("instance.crashloop")).length ? true : undefined), "the crash recorded");
    expect(await events("instance.crashloop")).toEqual([{ message: expect.stringMatching(/^victim-\w+ killed by SIGKILL \(signal 9\); restarting in 1 s$/), data: { exitCode: null, signal: "SIGKILL" } }]);

    const beforeRestart = await ready();
    await server.api.instances.restart.mutate({ id: beforeRestart.id });
    await waitFor(async () => ((await events("instance.exited")).length ? true : undefined), "the requested restart recorded");
    expect(await events("instance.exited")).toEqual([{ message: expect.stringMatching(/exited with code 0 \(restart requested\); starting it again$/), data: { exitCode: 0, signal: null } }]);

    // Stopped once it is serving again: a process stopped before its SIGTERM handler is set is killed by the signal.
    await ready(pidOf(beforeRestart));
    await server.api.services.scale.mutate({ id: service.id, replicas: 0 });
    await waitFor(async () => ((await events("instance.stopped")).length ? true : undefined), "the stop recorded");
    expect((await events("instance.stopped"))[0]!.data).toEqual({ exitCode: 0, signal: null });
  });
});
