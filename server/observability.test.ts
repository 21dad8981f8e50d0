import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { LogLine } from "./contracts/logs";
import type { MetricsDelta, ServerMessage, TopicMessage } from "./contracts/realtime";
import { adminHeaders, fixtureTemplate, tempDir, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";

const hasPromtool = spawnSync("which", ["promtool"]).status === 0;
if (!hasPromtool) console.warn("skipping promtool check: no promtool binary (apt-get install prometheus)");

/** Parses the Prometheus text format into `name{labels}` → value. */
function parseExposition(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

function subscribe(url: string, topic: string) {
  const ws = new WebSocket(`${url.replace("http", "ws")}/api/ws`, { headers: adminHeaders });
  const messages: Array<TopicMessage & { receivedAt: number }> = [];
  ws.on("message", (raw) => {
    const message = JSON.parse(raw.toString()) as ServerMessage;
    const receivedAt = Date.now();
    if (message.type === "batch") messages.push(...message.messages.map((m) => ({ ...m, receivedAt })));
    else if (message.type !== "error") messages.push({ ...message, receivedAt });
  });
  ws.once("open", () => ws.send(JSON.stringify({ type: "subscribe", topic })));
  return { ws, messages };
}

describe("observability", () => {
  const gantry = useTestGantry();
  const ready = async (serviceId: string) =>
    waitFor(async () => {
      const [instance] = await gantry.api.instances.list.query({ serviceId });
      return instance?.ready ? instance : undefined;
    }, "ready");

  it("shows a request sent through the proxy in a subscribed WebSocket stream within 1.5 s", async () => {
    const service = await gantry.api.services.create.mutate({ name: "watched-traffic", template: fixtureTemplate() });
    await ready(service.id);
    const client = subscribe(gantry.gantry.url, `metrics:${service.id}`);
    await waitFor(() => client.messages.find((m) => m.type === "snapshot"), "the snapshot");
    const sentAt = Date.now();
    expect((await fetch(`http://127.0.0.1:${service.listenPort}/`)).status).toBe(200);
    const seen = await waitFor(
      () => client.messages.find((m) => m.type === "delta" && m.receivedAt >= sentAt && ((m.data as MetricsDelta).points[`service:${service.id}`]?.rps ?? 0) > 0),
      "the request in the stream",
      3000,
      10,
    );
    expect(seen.receivedAt - sentAt).toBeLessThan(1500);
    client.ws.close();
  });

  it("exposes conventional metrics whose values match the traffic sent, and passes promtool", async () => {
    const callee = await gantry.api.services.create.mutate({ name: "counted", replicas: 2, template: fixtureTemplate() });
    const caller = await gantry.api.services.create.mutate({ name: "counting-caller", replicas: 0, template: fixtureTemplate() });
    const edge = await gantry.api.dependencies.create.mutate({ fromId: caller.id, toId: callee.id });
    await waitFor(async () => ((await gantry.api.services.endpoints.query({ id: callee.id })).length === 2 ? true : undefined), "2 ready");
    for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${callee.listenPort}/`);
    for (let i = 0; i < 4; i++) await fetch(`http://127.0.0.1:${callee.listenPort}/fail`);
    for (let i = 0; i < 7; i++) await fetch(`http://127.0.0.1:${edge.port}/`);

    const exposition = await waitFor(async () => {
      const text = await (await fetch(`${gantry.gantry.url}/metrics`, { headers: adminHeaders })).text();
      const parsed = parseExposition(text);
      // Usage is sampled on its own period: wait for the first sample too.
      const sampled = [...parsed.keys()].some((k) => k.startsWith('gantry_instance_memory_bytes{service="counted"'));
      return parsed.get('gantry_edge_requests_total{from="counting-caller",to="counted",code="2xx"}') === 7 && sampled ? text : undefined;
    }, "the counters and a usage sample to be collected", 5000);
    const metrics = parseExposition(exposition);
    expect(metrics.get('gantry_service_requests_total{service="counted",code="2xx"}')).toBe(27);
    expect(metrics.get('gantry_service_requests_total{service="counted",code="5xx"}')).toBe(4);
    const perInstance = [...metrics].filter(([k]) => k.startsWith('gantry_requests_total{service="counted"')).reduce((sum, [, v]) => sum + v, 0);
    expect(perInstance).toBe(31);
    expect(metrics.get('gantry_service_request_duration_seconds_count{service="counted"}')).toBe(31);
    expect(metrics.get('gantry_service_request_duration_seconds_bucket{service="counted",le="+Inf"}')).toBe(31);
    const ready = [...metrics].filter(([k]) => k.startsWith('gantry_instance_ready{service="counted"'));
    expect(ready.map(([, v]) => v)).toEqual([1, 1]);
    expect([...metrics.keys()].some((k) => k.startsWith('gantry_instance_memory_bytes{service="counted"'))).toBe(true);
    expect([...metrics.keys()].some((k) => k.startsWith("process_resident_memory_bytes"))).toBe(true);

    if (hasPromtool) {
      const check = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
      expect(check.stdout + check.stderr).toBe("");
      expect(check.status).toBe(0);
      // As installed: the token file beside the config (promtool checks that it exists).
      const installed = tempDir("prometheus");
      fs.copyFileSync("deploy/prometheus.yml", path.join(installed, "prometheus.yml"));
      fs.writeFileSync(path.join(installed, "gantry.token"), "gantry_example", { mode: 0o600 });
      const config = spawnSync("promtool", ["check", "config", path.join(installed, "prometheus.yml")], { encoding: "utf8" });
      expect(config.status, config.stdout + config.stderr).toBe(0);
    }

    // The shipped Grafana dashboard asks only for metric families Gantry declares.
    const declared = new Set([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => (type === "histogram" ? ["_bucket", "_sum", "_count"].map((s) => name + s) : [name!])));
    const queried = new Set(fs.readFileSync("deploy/grafana/gantry-dashboard.json", "utf8").match(/\bgantry_\w+/g));
    expect(queried.size).toBeGreaterThan(5);
    expect([...queried].filter((name) => !declared.has(name))).toEqual([]);
  });

  it("lists instances that serve their own metrics for Prometheus HTTP service discovery", async () => {
    const service = await gantry.api.services.create.mutate({ name: "self-metrics", template: fixtureTemplate(), traffic: { metricsPath: "/metrics" } });
    const instance = await ready(service.id);
    const groups = await (await fetch(`${gantry.gantry.url}/api/sd/prometheus`, { headers: adminHeaders })).json();
    expect(groups).toContainEqual({ targets: [`127.0.0.1:${instance.port}`], labels: { __metrics_path__: "/metrics", service: "self-metrics", instance: instance.id, revision: "1" } });
  });

  it("keeps timestamped logs, queries them, and tails them live over the WebSocket", async () => {
    const service = await gantry.api.services.create.mutate({ name: "talkative", template: fixtureTemplate() });
    const instance = await ready(service.id);
    const client = subscribe(gantry.gantry.url, `logs:${instance.id}`);
    await waitFor(() => client.messages.find((m) => m.type === "snapshot"), "the log snapshot");
    await fetch(`http://127.0.0.1:${instance.port}/say?text=hello-live`);
    const live = await waitFor(() => client.messages.flatMap((m) => (m.type === "delta" ? (m.data as LogLine[]) : [])).find((l) => l.text === "hello-live"), "the live line");
    expect(live.stream).toBe("stdout");
    expect(Math.abs(live.at - Date.now())).toBeLessThan(5000);
    client.ws.close();

    const stderr = await gantry.api.logs.search.query({ instanceId: instance.id, stream: "stderr", text: "HELLO-LIVE" });
    expect(stderr.map((l) => l.text)).toEqual(["stderr: hello-live"]);
    const tail = await gantry.api.logs.search.query({ instanceId: instance.id, tail: 1 });
    expect(tail).toHaveLength(1);
    const none = await gantry.api.logs.search.query({ instanceId: instance.id, since: Date.now() + 60_000 });
    expect(none).toEqual([]);
  });

  it("sends traffic at a steady rate for a bounded time, and reports progress", async () => {
    const service = await gantry.api.services.create.mutate({ name: "loaded", template: fixtureTemplate() });
    await ready(service.id);
    const client = subscribe(gantry.gantry.url, "loadgen");
    const job = await gantry.api.loadgen.start.mutate({ serviceId: service.id, rate: 40, seconds: 2 });
    await expect(gantry.api.loadgen.start.mutate({ serviceId: service.id, rate: 10, seconds: 1 })).rejects.toThrow("already being sent");
    const done = await waitFor(() => client.messages.find((m) => m.type === "delta" && (m.data as { id: string; state: string }).id === job.id && (m.data as { state: string }).state === "done"), "the run to finish", 5000);
    // Exactly rate × seconds, all answered by the time it says done.
    expect(done.data).toMatchObject({ sent: 80, ok: 80, failed: 0 });
    expect(Date.now() - job.startedAt).toBeGreaterThanOrEqual(1900);
    const progress = client.messages.filter((m) => m.type === "delta" && (m.data as { id: string }).id === job.id);
    expect(progress.length).toBeGreaterThan(3); // progress shown along the way, not only at the end
    await expect(gantry.api.loadgen.start.mutate({ serviceId: service.id, rate: 5000, seconds: 1 })).rejects.toThrow("capped at 500");

    const long = await gantry.api.loadgen.start.mutate({ serviceId: service.id, rate: 20, seconds: 60 });
    await waitFor(async () => ((await gantry.api.loadgen.list.query()).find((j) => j.id === long.id)!.sent > 0 ? true : undefined), "the second run to send");
    expect(await gantry.api.loadgen.stop.mutate({ id: long.id })).toMatchObject({ state: "stopped" });
    const { sent } = (await gantry.api.loadgen.list.query()).find((j) => j.id === long.id)!;
    await new Promise((r) => setTimeout(r, 300));
    expect((await gantry.api.loadgen.list.query()).find((j) => j.id === long.id)!.sent).toBe(sent); // nothing more after stop
    client.ws.close();
  });
});
