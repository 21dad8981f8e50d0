"use client";

import type { ProbeType } from "@/server/contracts/probe";
import { FormField, inputBase, inputClass } from "../form-field";
import type { FormErrors, ProbeDraft } from "./form-values";

const titles: Record<ProbeType, { title: string; hint: string }> = {
  startup: { title: "Startup", hint: "Holds the other probes back until the process has started; failing restarts it." },
  readiness: { title: "Readiness", hint: "Decides whether the instance gets traffic. Without one: ready once PORT accepts connections." },
  liveness: { title: "Liveness", hint: "Restarts the instance when it fails failureThreshold times in a row." },
};

const timingFields: Array<[keyof ProbeDraft, string]> = [
  ["initialDelaySeconds", "Initial delay (s)"],
  ["periodSeconds", "Period (s)"],
  ["timeoutSeconds", "Timeout (s)"],
  ["successThreshold", "Success threshold"],
  ["failureThreshold", "Failure threshold"],
];

/** One probe of the service form: its kind, where it looks, and its timing. */
export function ProbeFields(props: { idPrefix: string; type: ProbeType; draft: ProbeDraft; errors: FormErrors; onChange(draft: ProbeDraft): void }) {
  const { type, draft, errors } = props;
  const key = (field: string) => `probes.${type}.${field}`;
  const id = (field: string) => `${props.idPrefix}${key(field)}`;
  const set = (field: keyof ProbeDraft) => (e: { target: { value: string } }) => props.onChange({ ...draft, [field]: e.target.value });
  const input = (field: keyof ProbeDraft, label: string, hint?: string, mono = false) => (
    <FormField id={id(field)} label={label} hint={hint} error={errors[key(field)]}>
      <input id={id(field)} value={draft[field]} onChange={set(field)} className={`${inputClass} ${mono ? "font-mono" : ""}`} aria-invalid={Boolean(errors[key(field)])} />
    </FormField>
  );

  return (
    <fieldset className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
      <legend className="px-1 text-sm font-medium">{titles[type].title} probe</legend>
      <p className="mb-2 text-xs text-zinc-500">{titles[type].hint}</p>
      <label className="mb-3 flex items-center gap-2 text-sm">
        Kind
        <select aria-label={`${titles[type].title} probe kind`} value={draft.kind} onChange={set("kind")} className={`${inputBase} w-32`}>
          <option value="none">None</option>
          <option value="http">HTTP GET</option>
          <option value="tcp">TCP connect</option>
          <option value="exec">Command</option>
          <option value="grpc">gRPC health</option>
        </select>
      </label>
      {draft.kind !== "none" && (
        <div className="grid gap-3 @xl:grid-cols-2">
          {draft.kind === "http" && input("path", "Path", "200–399 passes", true)}
          {draft.kind !== "exec" && input("port", "Port", "Empty: the instance's PORT")}
          {draft.kind === "grpc" && input("service", "Service", "grpc.health.v1.Health/Check passes on SERVING; empty asks about the whole server", true)}
          {draft.kind === "exec" && <div className="@xl:col-span-2">{input("command", "Command", "Exit code 0 passes; runs in the instance's directory and environment", true)}</div>}
          {draft.kind === "http" && (
            <div className="@xl:col-span-2">
              <FormField id={id("headers")} label="Headers" hint="Name: value, one per line" error={errors[key("headers")]}>
                <textarea id={id("headers")} rows={2} value={draft.headers} onChange={set("headers")} className={`${inputClass} font-mono`} aria-invalid={Boolean(errors[key("headers")])} />
              </FormField>
            </div>
          )}
          <div className="grid grid-cols-2 gap-3 @xl:col-span-2 @xl:grid-cols-5">{timingFields.map(([field, label]) => <div key={field}>{input(field, label)}</div>)}</div>
        </div>
      )}
    </fieldset>
  );
}
