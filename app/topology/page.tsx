"use client";

import { PageHeader } from "@/components/page-header";
import { useTopology } from "@/components/realtime/hooks";
import { StatusMessage } from "@/components/status-message";
import { TopologyColumns } from "@/components/topology-columns";

export default function TopologyPage() {
  const topology = useTopology();
  return (
    <>
      <PageHeader title="Topology" description="Services ordered by who calls whom." />
      {!topology ? (
        <StatusMessage>Loading topology…</StatusMessage>
      ) : topology.services.length === 0 ? (
        <StatusMessage>No services yet. Add one on the Services page.</StatusMessage>
      ) : (
        <TopologyColumns services={topology.services} dependencies={topology.dependencies} />
      )}
    </>
  );
}
