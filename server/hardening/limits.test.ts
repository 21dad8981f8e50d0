import { randomUUID } from "node:crypto";
import net from "node:net";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { adminHeaders, useTestGantry } from "../testing/gantry";
import { rawRequest } from "../testing/http";
import { waitFor } from "../testing/wait";

describe("hardening: smaller things a hostile or unlucky client found", () => {
  const server = useTestGantry();

  it("cuts a connection whose request head never finishes (slowloris) within ~10 s", { timeout: 30_000 }, async () => {
    const socket = net.connect(server.gantry.port, "127.0.0.1").on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    const started = Date.now();
    socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const drip = setInterval(() => socket.write("X-Drip: 1\r\n"), 1000);
    const closedAfter = await new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - started)));
    clearInterval(drip);
    expect(closedAfter).toBeLessThan(15_000);
  });

  it("removes an external service once its last endpoint is deregistered, unless something depends on it", async () => {
    const base = server.gantry.url;
    const register = (name: string, id: string) =>
      rawRequest(`${base}/v1/agent/service/register`, { method: "PUT", headers: adminHeaders, body: JSON.stringify({ Name: name, ID: id, Port: 9 }) });
    const deregister = (id: string) => rawRequest(`${base}/v1/agent/service/deregister/${id}`, { method: "PUT", headers: adminHeaders });
    await register("ext-gone", "gone-1");
    await register("ext-gone", "gone-2");
    await deregister("gone-1");
    expect((await server.api.services.list.query()).map((s) => s.name)).toContain("ext-gone");
    await deregister("gone-2");
    expect((await server.api.services.list.query()).map((s) => s.name)).not.toContain("ext-gone");

    await register("ext-needed", "needed-1");
    const caller = await server.api.services.create.mutate({ name: "caller", replicas: 0, template: { command: "true" } });
    const needed = (await server.api.services.list.query()).find((s) => s.name === "ext-needed")!;
    await server.api.dependencies.create.mutate({ fromId: caller.id, toId: needed.id });
    await deregister("needed-1");
    expect((await server.api.services.list.query()).map((s) => s.name)).toContain("ext-needed");
    const [event] = await server.api.events.list.query({ serviceId: needed.id, kind: "registration.removed" });
    expect(event!.message).toMatch(/kept: caller depends on it/);
  });

  it("caps live subscriptions per client address, not only per socket", { timeout: 150_000 }, async () => {
    const url = `${server.gantry.url.replace("http", "ws")}/api/ws`;
    const sockets: WebSocket[] = [];
    let refused = 0;
    let accepted = 0;
    // 50 sockets × 200 subscriptions = 10,000 from one address.
    for (let s = 0; s < 50; s++) {
      const ws = new WebSocket(url, { headers: adminHeaders });
      sockets.push(ws);
      ws.on("message", (raw) => {
        const message = JSON.parse(raw.toString()) as { type: string; message?: string };
        if (message.type === "error" && message.message?.startsWith("too many")) refused++;
        if (message.type === "snapshot") accepted++;
      });
      const opened = await new Promise<boolean>((resolve) => ws.once("open", () => resolve(true)).once("unexpected-response", () => resolve(false)));
      if (!opened) {
        refused += 200;
        continue;
      }
      for (let i = 0; i < 200; i++) ws.send(JSON.stringify({ type: "subscribe", topic: `metrics:${randomUUID()}` }));
    }
    // Every subscription is answered, with a snapshot or a refusal: count until all are in (a loaded machine takes its time).
    await waitFor(() => (accepted + refused >= 10_000 ? true : undefined), "an answer to every subscription", 120_000);
    for (const ws of sockets) ws.close();
    expect(accepted).toBe(6000);
    expect(refused).toBe(4000);
  });
});
