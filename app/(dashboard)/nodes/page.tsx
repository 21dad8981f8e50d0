"use client";

import { NodeTable } from "@/components/nodes/node-table";
import { PageHeader } from "@/components/page-header";

export default function NodesPage() {
  return (
    <>
      <PageHeader title="Nodes" description="The machines of the Docker Swarm that runs swarm services: draining one makes Swarm move its tasks to the others." />
      <NodeTable />
    </>
  );
}
