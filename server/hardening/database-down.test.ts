import { afterAll, describe, expect, it } from "vitest";
import { testBackends } from "../testing/databases";
import { adminHeaders, startTestGantry } from "../testing/gantry";
import { rawRequest } from "../testing/http";
import { cuttableTcpProxy } from "../testing/tcp-proxy";
import { waitFor } from "../testing/wait";

const postgres = testBackends().find((b) => b.name === "postgresql");

describe.skipIf(!postgres)("hardening: the database goes away and comes back", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("answers 503 'database unavailable' and fails /readyz while /healthz stays 200, then recovers by itself", { timeout: 60_000 }, async () => {
    const database = await postgres!.create();
    cleanups.push(() => database.drop());
    const url = new URL(database.url);
    const proxy = await cuttableTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    cleanups.push(() => proxy.close());
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const gantry = await startTestGantry({ databaseUrl: url.toString() });
    cleanups.push(() => gantry.stop());
    const list = () => rawRequest(`${gantry.url}/api/trpc/services.list`, { headers: adminHeaders });
    expect((await list()).status).toBe(200);

    proxy.cut();
    const refused = await list();
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.message).toBe("database unavailable, retrying");
    expect((await rawRequest(`${gantry.url}/v1/catalog/services`, { headers: adminHeaders })).status).not.toBe(500);
    await waitFor(async () => ((await rawRequest(`${gantry.url}/readyz`)).status === 503 ? true : undefined), "/readyz to say so");
    expect((await rawRequest(`${gantry.url}/readyz`)).body).toBe("database unavailable\n");
    expect((await rawRequest(`${gantry.url}/healthz`)).status).toBe(200);

    proxy.restore();
    await waitFor(async () => ((await list()).status === 200 ? true : undefined), "the API to answer again", 20_000);
    await waitFor(async () => ((await rawRequest(`${gantry.url}/readyz`)).status === 200 ? true : undefined), "/readyz to recover", 20_000);
  });
});
