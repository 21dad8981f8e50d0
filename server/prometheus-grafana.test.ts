import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureTemplate, tempDir, TEST_TOKEN, toggleableService, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";
import { freePort } from "./testing/ports";

const hasPrometheus = spawnSync("which", ["prometheus"]).status === 0;
if (!hasPrometheus) console.warn("skipping the Prometheus + Grafana check: no prometheus binary (apt-get install prometheus)");

type Panel = { title: string; targets?: Array<{ expr: string; legendFormat?: string }> };
type Sample = { metric: Record<string, string>; value: [number, string] };

/**
 * The shipped deploy/prometheus.yml and Grafana dashboard, together, against a real Gantry: a real
 * Prometheus scrapes it with the shipped config, then every panel's query runs and must return data
 * carrying the labels its legend shows (Gantry's own `instance`, not the scrape target's address).
 */
describe.skipIf(!hasPrometheus)("the shipped Prometheus config and Grafana dashboard", () => {
  const gantry = useTestGantry();
  let prometheus: ChildProcess | undefined;
  afterAll(() => prometheus?.kill("SIGKILL"));

  it("answer every panel with the labels its legend uses", { timeout: 90_000 }, async () => {
    const api = gantry.api;
    const callee = await api.services.create.mutate({ name: "shop-db", replicas: 2, template: fixtureTemplate({}, { probes: { readiness: { kind: "http", path: "/ready", periodSeconds: 0.5 } } }) });
    const { service: caller } = await toggleableService(api, "shop-web");
    const edge = await api.dependencies.create.mutate({ fromId: caller.id, toId: callee.id });
    await waitFor(async () => ((await api.instances.list.query({ serviceId: callee.id })).filter((i) => i.ready).length === 2 ? true : undefined), "shop-db ready");

    // Installed as the README says: the config, and a viewer's token beside it.
    const dir = tempDir("prometheus-run");
    const target = new URL(gantry.gantry.url).host;
    const config = fs.readFileSync("deploy/prometheus.yml", "utf8").replaceAll("127.0.0.1:3000", target).replace("scrape_interval: 15s", "scrape_interval: 1s");
    fs.writeFileSync(path.join(dir, "prometheus.yml"), config);
    fs.writeFileSync(path.join(dir, "gantry.token"), TEST_TOKEN, { mode: 0o600 });
    const port = await freePort();
    prometheus = spawn("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    const query = async (expr: string): Promise<Sample[]> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data?: { result: Sample[] }; error?: string };
      if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
      return body.data!.result;
    };

    // Traffic through the service listener and the edge, and a restart, so every panel has something.
    const send = setInterval(() => {
      void fetch(`http://127.0.0.1:${callee.listenPort}/`).catch(() => {});
      void fetch(`http://127.0.0.1:${edge.port}/`).catch(() => {});
    }, 50);
    try {
      const [first] = await api.instances.list.query({ serviceId: callee.id });
      await api.instances.restart.mutate({ id: first!.id });
      await waitFor(async () => ((await query("up")).length >= 1 && (await query("gantry_edge_requests_total")).length > 0 ? true : undefined), "Prometheus scraping", 30_000);
      await new Promise((r) => setTimeout(r, 4000)); // a few scrapes, for rate() and increase()
    } finally {
      clearInterval(send);
    }

    const instanceIds = new Set((await api.instances.list.query({})).map((i) => i.id));
    const panels = (JSON.parse(fs.readFileSync("deploy/grafana/gantry-dashboard.json", "utf8")) as { panels: Panel[] }).panels;
    const problems: string[] = [];
    for (const panel of panels) {
      for (const { expr, legendFormat = "" } of panel.targets ?? []) {
        const result = await query(expr.replaceAll("$service", ".*"));
        const wanted = [...legendFormat.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
        if (result.length === 0) problems.push(`${panel.title}: no data for ${expr}`);
        for (const { metric } of result) {
          const missing = wanted.filter((label) => !metric[label]);
          if (missing.length) problems.push(`${panel.title}: a series lacks ${missing.join(", ")} (${JSON.stringify(metric)})`);
          if (wanted.includes("instance") && !instanceIds.has(metric.instance!)) problems.push(`${panel.title}: instance "${metric.instance}" is not a Gantry instance`);
        }
      }
    }
    // The $service variable's choices come from label_values(metric, label), as Grafana asks it.
    const dashboard = JSON.parse(fs.readFileSync("deploy/grafana/gantry-dashboard.json", "utf8")) as { templating: { list: Array<{ name: string; query?: { query?: string } }> } };
    for (const variable of dashboard.templating.list) {
      const match = /^label_values\((\w+), (\w+)\)$/.exec(variable.query?.query ?? "");
      if (!match) continue;
      const values = (await query(`group by (${match[2]}) (${match[1]})`)).map((s) => s.metric[match[2]!]);
      if (!values.includes("shop-db")) problems.push(`$${variable.name} offers ${JSON.stringify(values)}, not shop-db`);
    }
    expect(problems).toEqual([]);
    // One line per instance, not one per service.
    expect((await query('sum by (service, instance) (increase(gantry_instance_restarts_total{service="shop-db"}[5m]))')).length).toBe(2);
  });
});
