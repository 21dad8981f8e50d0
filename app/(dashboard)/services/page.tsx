"use client";

import { useState } from "react";
import { useAccess } from "@/components/access/access-context";
import { buttonClass } from "@/components/form-field";
import { PageHeader } from "@/components/page-header";
import { useCatalog, useInstances, useRollouts, useTopology } from "@/components/realtime/hooks";
import { ServiceCard } from "@/components/service-card";
import { ServiceForm } from "@/components/service-form/service-form";
import { StatusMessage } from "@/components/status-message";

export default function ServicesPage() {
  const topology = useTopology();
  const instances = useInstances();
  const catalog = useCatalog();
  const rollouts = useRollouts();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string>();
  const { canSomewhere, needs } = useAccess();

  const names = new Map(topology?.services.map((s) => [s.id, s.name]));
  return (
    <>
      <PageHeader
        title="Services"
        description="What Gantry runs. Changes show up here live, from any tab or API client."
        actions={
          !creating && (
            <button
              type="button"
              className={buttonClass.primary}
              disabled={!canSomewhere("editor")}
              title={canSomewhere("editor") ? undefined : needs("editor")}
              onClick={() => (setCreating(true), setCreated(undefined))}
            >
              New service
            </button>
          )
        }
      />
      {creating && (
        <ServiceForm
          onDone={(service) => {
            setCreating(false);
            setCreated(service.name);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {created && (
        <p role="status" className="mb-4 text-sm text-emerald-700 dark:text-emerald-400">
          Created {created}.
        </p>
      )}
      {!topology || !instances ? (
        <StatusMessage>Loading services…</StatusMessage>
      ) : topology.services.length === 0 ? (
        <StatusMessage>No services yet. Create one to get started.</StatusMessage>
      ) : (
        <div className="space-y-4">
          {topology.services.map((service) => (
            <ServiceCard
              key={service.id}
              service={service}
              instances={instances.filter((i) => i.serviceId === service.id)}
              endpoints={(catalog ?? []).filter((e) => e.external && e.serviceId === service.id)}
              rollout={rollouts?.find((r) => r.serviceId === service.id)}
              calls={topology.dependencies.filter((d) => d.fromId === service.id).map((d) => names.get(d.toId) ?? "?")}
            />
          ))}
        </div>
      )}
    </>
  );
}
