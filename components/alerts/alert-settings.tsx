"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { receiverInput, receiverKinds, type ReceiverKind } from "@/server/contracts/alerts";
import { usePermit } from "../access/access-context";
import { FormCard } from "../form-card";
import { buttonClass, FormField, inputClass } from "../form-field";
import { PageSection } from "../page-section";
import { StatusMessage } from "../status-message";
import { cellClass, rowActionClass, rowClass, TableCard } from "../table-card";
import { useTRPC } from "../trpc";
import { useCheckedForm } from "../use-checked-form";
import { ruleCondition } from "./rule-condition";

/** The rules Gantry evaluates (edited through the API or gantry.yaml; the defaults ship with it). */
export function RuleTable() {
  const trpc = useTRPC();
  const { data: rules } = useQuery(trpc.alerts.rules.queryOptions());
  if (!rules) return <StatusMessage>Loading rules…</StatusMessage>;
  return (
    <TableCard label="Alert rules" headers={["Rule", "Services", "Condition", "For", "Severity", ""]}>
      {rules.map((rule) => (
        <tr key={rule.id} className={rowClass}>
          <td className={`${cellClass} font-medium`}>{rule.name}</td>
          <td className={cellClass}>{rule.service ?? "every service"}</td>
          <td className={cellClass}>{ruleCondition(rule)}</td>
          <td className={cellClass}>{rule.forSeconds} s</td>
          <td className={cellClass}>{rule.severity}</td>
          <td className={`${cellClass} text-xs text-zinc-500`}>{rule.enabled ? "" : "off"}</td>
        </tr>
      ))}
    </TableCard>
  );
}

/** Active silences, each with who set it, why, until when, and End. */
export function SilenceTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: silences } = useQuery(trpc.alerts.silences.queryOptions());
  const expire = useMutation(trpc.alerts.expireSilence.mutationOptions());
  const permit = usePermit("operator");
  if (!silences) return <StatusMessage>Loading silences…</StatusMessage>;
  if (silences.length === 0) return <p className="text-sm text-zinc-500">No silences.</p>;
  const end = async (id: string) => {
    await expire.mutateAsync({ id });
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.silences.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.list.queryKey() });
  };
  return (
    <TableCard label="Silences" headers={["Mutes", "Reason", "Until", "By", ""]}>
      {silences.map((silence) => (
        <tr key={silence.id} className={rowClass}>
          <td className={cellClass}>{[silence.ruleName ?? "any rule", silence.serviceName ?? "any service"].join(" on ")}</td>
          <td className={cellClass}>{silence.reason}</td>
          <td className={cellClass}>{new Date(silence.endsAt).toLocaleString()}</td>
          <td className={cellClass}>{silence.createdBy}</td>
          <td className={cellClass}>
            <button type="button" className={rowActionClass} disabled={!permit.allowed || expire.isPending} title={permit.title} onClick={() => end(silence.id)}>
              End
            </button>
          </td>
        </tr>
      ))}
    </TableCard>
  );
}

function ReceiverForm({ onDone }: { onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.alerts.createReceiver.mutationOptions());
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ReceiverKind>("webhook");
  const [url, setUrl] = useState("");
  const { errors, fid, submit, inputProps } = useCheckedForm(["name", "kind", "url"]);
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!(await submit(receiverInput, { name, kind, url }, (input) => create.mutateAsync(input)))) return;
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.receivers.queryKey() });
    onDone();
  }
  return (
    <FormCard label="New receiver" submitLabel="Add receiver" pendingLabel="Adding…" pending={create.isPending} error={errors.form} onSubmit={onSubmit} onCancel={onDone}>
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField id={fid("name")} label="Name" error={errors.name}>
          <input {...inputProps("name")} value={name} onChange={(e) => setName(e.target.value)} className={inputClass} autoComplete="off" autoFocus />
        </FormField>
        <FormField id={fid("kind")} label="Kind" hint="slack: an incoming webhook's { text }" error={errors.kind}>
          <select {...inputProps("kind")} value={kind} onChange={(e) => setKind(e.target.value as ReceiverKind)} className={inputClass}>
            {receiverKinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </FormField>
        <FormField id={fid("url")} label="URL" hint={kind === "slack" ? "Kept secret: shown as its origin only" : "Gets a JSON POST per firing and resolved"} error={errors.url}>
          <input {...inputProps("url")} value={url} onChange={(e) => setUrl(e.target.value)} className={inputClass} autoComplete="off" placeholder="https://…" />
        </FormField>
      </div>
    </FormCard>
  );
}

/** Where notifications go, with what waits for each (a receiver that fails is retried with backoff). */
export function ReceiverSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: receivers } = useQuery(trpc.alerts.receivers.queryOptions(undefined, { refetchInterval: 5000 }));
  const remove = useMutation(trpc.alerts.deleteReceiver.mutationOptions());
  const permit = usePermit("editor");
  const [adding, setAdding] = useState(false);
  const drop = async (id: string) => {
    await remove.mutateAsync({ id });
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.receivers.queryKey() });
  };
  return (
    <PageSection
      title="Receivers"
      description="Each firing and resolved alert is POSTed to every receiver, at least once, with an Idempotency-Key header."
      actions={
        !adding && (
          <button type="button" className={buttonClass.secondary} disabled={!permit.allowed} title={permit.title} onClick={() => setAdding(true)}>
            Add receiver
          </button>
        )
      }
    >
      {adding && <ReceiverForm onDone={() => setAdding(false)} />}
      {!receivers ? (
        <StatusMessage>Loading receivers…</StatusMessage>
      ) : receivers.length === 0 ? (
        <p className="text-sm text-zinc-500">No receivers: alerts show here, on the Overview and on the canvas only.</p>
      ) : (
        <TableCard label="Receivers" headers={["Name", "Kind", "URL", "Waiting", ""]}>
          {receivers.map((receiver) => (
            <tr key={receiver.id} className={rowClass}>
              <td className={`${cellClass} font-medium`}>{receiver.name}</td>
              <td className={cellClass}>{receiver.kind}</td>
              <td className={`${cellClass} break-all`}>{receiver.url}</td>
              <td className={cellClass} title={receiver.lastError ?? undefined}>
                {receiver.pending}
                {receiver.lastError && <span className="ml-1 text-xs text-red-600 dark:text-red-400">{receiver.lastError}</span>}
              </td>
              <td className={cellClass}>
                <button type="button" className={rowActionClass} disabled={!permit.allowed || remove.isPending} title={permit.title} onClick={() => drop(receiver.id)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </TableCard>
      )}
    </PageSection>
  );
}
