/** Consul's check states, worst last. */
export const checkStatuses = ["passing", "warning", "critical"] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export type CatalogCheck = {
  id: string;
  name: string;
  /** `gantry`: an instance's readiness as Gantry sees it; the others were registered with the endpoint. */
  kind: "gantry" | "http" | "tcp" | "ttl";
  status: CheckStatus;
  output: string;
};

/** One endpoint of a service in the discovery catalog: a Gantry instance or an external registration. */
export type CatalogEntry = {
  /** Consul's service ID: the instance id, or the registration's ID. */
  id: string;
  serviceId: string;
  serviceName: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  external: boolean;
  checks: CatalogCheck[];
  createIndex: number;
  modifyIndex: number;
};

/** The worst state of an entry's checks (no checks: passing). */
export function entryStatus(entry: Pick<CatalogEntry, "checks">): CheckStatus {
  let worst = 0;
  for (const check of entry.checks) worst = Math.max(worst, checkStatuses.indexOf(check.status));
  return checkStatuses[worst]!;
}
