"use client";

import { EventTimeline } from "@/components/event-timeline";
import { PageHeader } from "@/components/page-header";
import { useTopology } from "@/components/realtime/hooks";

export default function EventsPage() {
  const topology = useTopology();
  return (
    <>
      <PageHeader title="Events" description="Every change and engine transition, newest first." />
      <EventTimeline services={topology?.services} />
    </>
  );
}
