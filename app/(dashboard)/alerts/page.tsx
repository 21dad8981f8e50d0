"use client";

import { AlertList } from "@/components/alerts/alert-list";
import { ReceiverSection, RuleTable, SilenceTable } from "@/components/alerts/alert-settings";
import { useAlerts } from "@/components/alerts/use-alerts";
import { PageHeader } from "@/components/page-header";
import { PageSection } from "@/components/page-section";
import { StatusMessage } from "@/components/status-message";

/** Alerts in full: what fires (and what resolved lately), silences, rules and receivers. */
export default function AlertsPage() {
  const alerts = useAlerts();
  return (
    <>
      <PageHeader title="Alerts" description="Rules Gantry evaluates itself: pending until a condition has held for its time, then firing, then resolved." />
      <div className="space-y-8">
        <PageSection title="Alerts">{alerts ? <AlertList alerts={alerts} empty="Nothing pending or firing." /> : <StatusMessage>Loading alerts…</StatusMessage>}</PageSection>
        <PageSection title="Silences">
          <SilenceTable />
        </PageSection>
        <PageSection title="Rules" description="Defaults ship with Gantry; change them through the API or gantry.yaml.">
          <RuleTable />
        </PageSection>
        <ReceiverSection />
      </div>
    </>
  );
}
