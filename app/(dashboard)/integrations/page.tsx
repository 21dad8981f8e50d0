"use client";

import { IntegrationTable } from "@/components/integrations/integration-table";
import { PageHeader } from "@/components/page-header";

export default function IntegrationsPage() {
  return (
    <>
      <PageHeader
        title="Integrations"
        description="Where Gantry publishes its service catalog besides its Consul-compatible API (/v1/ on this address): mirrors into etcd and ZooKeeper, and DNS."
      />
      <IntegrationTable />
    </>
  );
}
