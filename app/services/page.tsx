"use client";

import { useState } from "react";
import { buttonClass } from "@/components/form-field";
import { PageHeader } from "@/components/page-header";
import { useTopology } from "@/components/realtime/hooks";
import { ServiceCreateForm } from "@/components/service-create-form";
import { ServiceTable } from "@/components/service-table";
import { StatusMessage } from "@/components/status-message";

export default function ServicesPage() {
  const topology = useTopology();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string>();

  return (
    <>
      <PageHeader
        title="Services"
        description="What Gantry runs. Changes show up here live, from any tab or API client."
        actions={
          !creating && (
            <button type="button" className={buttonClass.primary} onClick={() => (setCreating(true), setCreated(undefined))}>
              New service
            </button>
          )
        }
      />
      {creating && (
        <ServiceCreateForm
          onCreated={(name) => {
            setCreating(false);
            setCreated(name);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {created && (
        <p role="status" className="mb-4 text-sm text-emerald-700 dark:text-emerald-400">
          Created {created}.
        </p>
      )}
      {!topology ? (
        <StatusMessage>Loading services…</StatusMessage>
      ) : topology.services.length === 0 ? (
        <StatusMessage>No services yet. Create one to get started.</StatusMessage>
      ) : (
        <ServiceTable services={topology.services} dependencies={topology.dependencies} />
      )}
    </>
  );
}
