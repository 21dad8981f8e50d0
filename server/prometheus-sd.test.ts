import { describe, expect, it } from "vitest";
import { fixtureTemplate, TEST_TOKEN, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";

/**
 * Debian's Prometheus is built without consul_sd_configs, so this test reads Gantry's API the way
 * Prometheus's Consul discovery does (through Consul's Go API client: agent/self, catalog/services,
 * health/service per service) and derives the target labels with Prometheus's documented rules.
 */
type HealthEntry = {
  Node: { Node: string; Address: string; Datacenter: string; TaggedAddresses: Record<string, string>; Meta: Record<string, string> };
  Service: { ID: string; Service: string; Tags: string[]; Address: string; Port: number; Meta: Record<string, string> };
  Checks: Array<{ Status: "passing" | "warning" | "critical" }>;
};

/** Prometheus sends consul_sd_configs' `token` as X-Consul-Token. */
const asPrometheus = { headers: { "x-consul-token": TEST_TOKEN } };

async function prometheusTargets(base: string) {
  const self = (await (await fetch(`${base}/v1/agent/self`, asPrometheus)).json()) as { Config: { Datacenter: string } };
  const services = (await (await fetch(`${base}/v1/catalog/services?stale=&wait=2s`, asPrometheus)).json()) as Record<string, string[]>;
  const targets = [];
  for (const name of Object.keys(services)) {
    const entries = (await (await fetch(`${base}/v1/health/service/${encodeURIComponent(name)}?stale=&wait=2s`, asPrometheus)).json()) as HealthEntry[];
    for (const { Node, Service, Checks } of entries) {
      // api.HealthChecks.AggregatedStatus: any critical → critical, else any warning → warning, else passing.
      const health = Checks.some((c) => c.Status === "critical") ? "critical" : Checks.some((c) => c.Status === "warning") ? "warning" : "passing";
      targets.push({
        __address__: `${Service.Address || Node.Address}:${Service.Port}`,
        __meta_consul_address: Node.Address,
        __meta_consul_dc: self.Config.Datacenter,
        __meta_consul_health: health,
        __meta_consul_node: Node.Node,
        __meta_consul_service: Service.Service,
        __meta_consul_service_address: Service.Address,
        __meta_consul_service_id: Service.ID,
        __meta_consul_service_port: String(Service.Port),
        __meta_consul_tags: `,${Service.Tags.join(",")},`,
        ...Object.fromEntries(Object.entries(Service.Meta).map(([k, v]) => [`__meta_consul_service_metadata_${k}`, v])),
        ...Object.fromEntries(Object.entries(Node.TaggedAddresses).map(([k, v]) => [`__meta_consul_tagged_address_${k}`, v])),
      });
    }
  }
  return targets;
}

describe("what Prometheus's consul_sd_configs reads", () => {
  const gantry = useTestGantry();

  it("yields one target per instance with Consul's labels, typed as Consul's Go client decodes them", async () => {
    const service = await gantry.api.services.create.mutate({ name: "scraped", replicas: 2, template: fixtureTemplate() });
    const instances = await waitFor(async () => {
      const list = await gantry.api.instances.list.query({ serviceId: service.id });
      return list.length === 2 && list.every((i) => i.ready) ? list : undefined;
    }, "2 ready");
    const targets = (await prometheusTargets(gantry.gantry.url)).filter((t) => t.__meta_consul_service === "scraped");
    expect(targets.map((t) => t.__address__).sort()).toEqual(instances.map((i) => `127.0.0.1:${i.port}`).sort());
    expect(targets[0]).toMatchObject({
      __meta_consul_dc: "dc1",
      __meta_consul_node: "gantry",
      __meta_consul_health: "passing",
      __meta_consul_tagged_address_lan: "127.0.0.1",
      __meta_consul_service_metadata_gantry_revision: "1",
    });

    // Field types Consul's Go API client needs to decode the health entries.
    const [entry] = (await (await fetch(`${gantry.gantry.url}/v1/health/service/scraped`, asPrometheus)).json()) as Array<Record<string, Record<string, unknown>> & { Checks: Array<Record<string, unknown>> }>;
    expect(entry!.Service).toMatchObject({ ID: expect.any(String), Port: expect.any(Number), Weights: { Passing: 1, Warning: 1 }, CreateIndex: expect.any(Number), ModifyIndex: expect.any(Number) });
    expect(entry!.Node).toMatchObject({ ID: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/), Datacenter: "dc1" });
    for (const check of entry!.Checks) expect(check).toMatchObject({ CheckID: expect.any(String), Status: expect.stringMatching(/^(passing|warning|critical)$/), ServiceTags: expect.any(Array) });
  });
});
