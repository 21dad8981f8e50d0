import { describe, expect, it } from "vitest";
import { adminHeaders, useTestGantry } from "../testing/gantry";
import { rawRequest } from "../testing/http";

/** A tRPC call as a script sends it; the status and the error message. */
async function call(base: string, procedure: string, input: unknown, type: "query" | "mutation" = "mutation") {
  const res =
    type === "query"
      ? await rawRequest(`${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: adminHeaders })
      : await rawRequest(`${base}/api/trpc/${procedure}`, { method: "POST", headers: { ...adminHeaders, "content-type": "application/json" }, body: JSON.stringify(input) });
  const body = JSON.parse(res.body) as { error?: { message: string } };
  return { status: res.status, message: body.error?.message ?? "" };
}

describe("hardening: input that should be 4xx is never a 500", () => {
  const server = useTestGantry();
  const base = () => server.gantry.url;

  it("refuses malformed %-escapes in Consul paths with 400", async () => {
    for (const path of ["/v1/catalog/service/%E0%A4%A", "/v1/health/service/%zz", "/v1/agent/service/deregister/%"]) {
      const res = await rawRequest(`${base()}${path}`, { method: path.includes("deregister") ? "PUT" : "GET", headers: adminHeaders });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).toMatch(/malformed %-escape/);
    }
  });

  it("refuses numbers beyond what the database holds: revisions ≥ 2³¹, event cursors beyond int64", async () => {
    const service = await server.api.services.create.mutate({ name: "numbers", replicas: 0, template: { command: "true" } });
    for (const [procedure, input, type] of [
      ["rollouts.rollback", { serviceId: service.id, revision: 2 ** 31 }, "mutation"],
      ["rollouts.diff", { serviceId: service.id, from: 1, to: 2 ** 31 }, "query"],
      ["rollouts.diff", { serviceId: service.id, from: 1, to: 1e300 }, "query"],
      ["events.list", { before: "99999999999999999999999" }, "query"],
      ["services.place", { positions: [{ id: service.id, x: 1e308, y: 0 }] }, "mutation"],
      ["services.place", { positions: [{ id: service.id, x: -1e308, y: 0 }] }, "mutation"],
    ] as const) {
      const result = await call(base(), procedure, input, type);
      expect({ procedure, input, status: result.status }).toEqual({ procedure, input, status: 400 });
    }
  });

  it("takes env names that are also Object.prototype's keys as plain names, and refuses __proto__", async () => {
    const service = await server.api.services.create.mutate({ name: "protos", replicas: 0, template: { command: "true" } });
    for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty"]) {
      const input = { id: service.id, version: (await server.api.services.get.query({ id: service.id })).version, patch: { template: { env: { [name]: "x" } } } };
      expect({ name, plan: (await call(base(), "rollouts.plan", input)).status }).toEqual({ name, plan: 200 });
      expect({ name, update: (await call(base(), "services.update", input)).status }).toEqual({ name, update: 200 });
      expect((await server.api.services.get.query({ id: service.id })).template.env).toEqual({ [name]: "x" });
    }
    for (const field of ["env", "labels"]) {
      // JSON.parse makes "__proto__" an own key, as any JSON body does; JSON.stringify of a literal can't write one.
      const patch = field === "env" ? { template: { env: { PROTO_KEY: "x" } } } : { labels: { PROTO_KEY: "x" } };
      const raw = JSON.stringify({ id: service.id, version: 1, patch }).replace('"PROTO_KEY"', '"__proto__"');
      const res = await rawRequest(`${base()}/api/trpc/services.update`, { method: "POST", headers: { ...adminHeaders, "content-type": "application/json" }, body: raw });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body).toMatch(/__proto__/);
    }
  });
});
