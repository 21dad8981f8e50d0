import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ServerMessage, TopicMessage } from "./contracts/realtime";
import type { Gantry } from "./gantry";
import { DataDirLockedError } from "./lib/data-dir-lock";
import { adminHeaders, apiClient, startTestGantry, tempDir, TEST_TOKEN, useTestGantry } from "./testing/gantry";

const template = { command: "node", args: ["service.mjs"], cwd: "examples/demo" };

/** A WebSocket client that collects every topic message it receives, unpacking batches. */
async function liveClient(gantry: Gantry) {
  const ws = new WebSocket(`${gantry.url.replace("http", "ws")}/api/ws`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const received: ServerMessage[] = [];
  const topicMessages: TopicMessage[] = [];
  ws.on("message", (raw) => {
    const message = JSON.parse(raw.toString()) as ServerMessage;
    received.push(message);
    if (message.type === "batch") topicMessages.push(...message.messages);
    else if (message.type === "snapshot" || message.type === "delta") topicMessages.push(message);
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const waitFor = async <T>(find: () => T | undefined, ms = 2000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(received).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ws, received, topicMessages, waitFor };
}

describe("Gantry server", () => {
  const server = useTestGantry();

  it("answers health, readiness and Prometheus metrics", async () => {
    expect(await (await fetch(`${server.gantry.url}/healthz`)).text()).toBe("ok\n");
    expect((await fetch(`${server.gantry.url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${server.gantry.url}/metrics`, { headers: adminHeaders });
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(await metrics.text()).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it("creates and lists services over tRPC", async () => {
    const created = await server.api.services.create.mutate({ name: "checkout", template });
    expect(created).toMatchObject({ name: "checkout", replicas: 1, version: 1 });
    expect((await server.api.services.list.query()).map((s) => s.name)).toContain("checkout");
  });

  it("maps validation errors to BAD_REQUEST with a readable message and field errors", async () => {
    const err = await server.api.services.create.mutate({ name: "Bad Name", template }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const { data, message } = err as TRPCClientError<never>;
    expect(data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400, fieldErrors: { name: expect.stringContaining("DNS label") } });
    expect(message).toMatch(/^name: name must be a DNS label/);
  });

  it("maps domain errors once: CONFLICT → 409, NOT_FOUND → 404", async () => {
    await server.api.services.create.mutate({ name: "dupe", template });
    const conflict = (await server.api.services.create.mutate({ name: "dupe", template }).catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(conflict.data).toMatchObject({ code: "CONFLICT", httpStatus: 409, fieldErrors: { name: "a service named dupe already exists" } });
    const missing = (await server.api.services.get.query({ id: "00000000-0000-4000-8000-000000000000" }).catch((e: unknown) => e)) as TRPCClientError<never>;
    expect(missing.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
  });

  it("sends a topology snapshot, then deltas as services change", async () => {
    const client = await liveClient(server.gantry);
    client.ws.send(JSON.stringify({ type: "subscribe", topic: "topology" }));
    await client.waitFor(() => client.topicMessages.find((m) => m.type === "snapshot" && m.topic === "topology"));
    const created = await server.api.services.create.mutate({ name: "live", template });
    const delta = await client.waitFor(() =>
      client.topicMessages.find((m) => m.type === "delta" && m.topic === "topology" && m.data.kind === "service.upserted" && m.data.service.id === created.id),
    );
    expect(delta).toBeDefined();
    client.ws.close();
  });

  it("answers a malformed message with an error frame and keeps the connection", async () => {
    const client = await liveClient(server.gantry);
    client.ws.send("not json");
    client.ws.send(JSON.stringify({ type: "subscribe", topic: "no-such-topic" }));
    await client.waitFor(() => (client.received.filter((m) => m.type === "error").length === 2 ? true : undefined));
    expect(client.received.every((m) => m.type === "error" && m.message.startsWith("malformed message"))).toBe(true);
    client.ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    await client.waitFor(() => client.topicMessages.find((m) => m.type === "snapshot" && m.topic === "events"));
    client.ws.close();
  });
});

describe("Gantry persistence", () => {
  it("keeps data across restarts, seeds the demo only on the very first start, and refuses a second Gantry on one data dir", async () => {
    const dataDir = tempDir("persist");
    const env = { dataDir, databaseUrl: undefined, demo: true };
    const first = await startTestGantry(env);
    try {
      expect((await apiClient(first).services.list.query()).map((s) => s.name)).toEqual(["api", "users", "web"]);
      expect(await apiClient(first).dependencies.list.query()).toHaveLength(2);
      await expect(startTestGantry(env)).rejects.toThrow(DataDirLockedError);
      for (const service of await apiClient(first).services.list.query()) await apiClient(first).services.delete.mutate({ id: service.id });
      await apiClient(first).services.create.mutate({ name: "kept", template });
    } finally {
      await first.stop();
    }
    const second = await startTestGantry(env);
    try {
      expect((await apiClient(second).services.list.query()).map((s) => s.name)).toEqual(["kept"]);
    } finally {
      await second.stop();
    }
  });
});
