import type { CatalogEntryInput } from "../engine/registry/catalog";

/** A passing catalog entry on 127.0.0.1:20000 with Gantry's readiness check, for unit tests of what reads the catalog. */
export const catalogEntry = (id: string, serviceName: string, extra: Partial<CatalogEntryInput> = {}): CatalogEntryInput => ({
  id,
  serviceId: `${serviceName}-id`,
  serviceName,
  address: "127.0.0.1",
  port: 20000,
  tags: [],
  meta: {},
  external: false,
  checks: [{ id: `gantry:${id}`, name: "Gantry readiness", kind: "gantry", status: "passing", output: "" }],
  ...extra,
});
