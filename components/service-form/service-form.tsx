"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { probeTypes } from "@/server/contracts/probe";
import type { PlanPreview as Plan } from "@/server/contracts/rollout";
import { containerNetworks, containerRuntimes, replicas as replicasSchema, restartPolicies, serviceName, type Position, type Service, type ServiceUpdateInput } from "@/server/contracts/service";
import { usePermit } from "../access/access-context";
import { buttonClass, FormField, inputClass } from "../form-field";
import { labelsTextOf, toLabelsInput } from "./label-values";
import { SubmitRow } from "../submit-row";
import { useTRPC } from "../trpc";
import { emptyValues, fieldKey, numberOrNaN, shellToggled, toTemplateInput, valuesFromService, type FormErrors, type ServiceFormValues } from "./form-values";
import { ProbeFields } from "./probe-fields";
import { SecretFields } from "./secret-fields";
import { AutoscaleFields } from "./autoscale-fields";
import { autoscaleDraftOf, toAutoscaleInput, type AutoscaleDraft } from "./autoscale-values";
import { StrategyFields } from "./strategy-fields";
import { strategyDraftOf, toStrategyInput, type StrategyDraft } from "./strategy-values";
import { TrafficFields } from "./traffic-fields";
import { toTrafficInput, trafficDraftOf, type TrafficDraft } from "./traffic-values";
import { PlanPreview } from "../rollouts/plan-preview";

type ServerError = { message: string; data?: { code?: string; fieldErrors?: Record<string, string> } };

function serverErrors(err: ServerError): FormErrors {
  const errors: FormErrors = {};
  for (const [path, message] of Object.entries(err.data?.fieldErrors ?? {})) errors[fieldKey(path.split("."))] ??= message;
  if (Object.keys(errors).length === 0) errors.form = err.message;
  return errors;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-3">
      <h3 className="text-xs font-semibold uppercase tracking-wide text-zinc-500">{title}</h3>
      <div className="grid gap-4 @xl:grid-cols-2">{children}</div>
    </section>
  );
}

/**
 * Creates a service, or edits one (`service` given). Values are checked with the same zod
 * contracts the server uses, and the server's own verdicts land next to the right input.
 * An edit carries the version it started from; if someone else saved meanwhile, it says so.
 */
export function ServiceForm(props: { service?: Service; position?: Position; onDone(saved: Service): void; onCancel(): void }) {
  const editing = props.service;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.services.create.mutationOptions());
  const update = useMutation(trpc.services.update.mutationOptions());
  const plan = useMutation(trpc.rollouts.plan.mutationOptions());
  const [values, setValues] = useState<ServiceFormValues>(() => (editing ? valuesFromService(editing) : emptyValues()));
  const [traffic, setTraffic] = useState<TrafficDraft>(() => trafficDraftOf(editing?.traffic, editing?.listenPort));
  const [strategy, setStrategy] = useState<StrategyDraft>(() => strategyDraftOf(editing?.strategy));
  const [autoscale, setAutoscale] = useState<AutoscaleDraft>(() => autoscaleDraftOf(editing?.autoscale));
  const [labelsText, setLabelsText] = useState(() => labelsTextOf(editing?.labels));
  /** An edit waiting for "Apply", with what it will do. */
  const [pendingPlan, setPendingPlan] = useState<{ input: ServiceUpdateInput; plan: Plan }>();
  const [baseVersion, setBaseVersion] = useState(editing?.version ?? 0);
  const [errors, setErrors] = useState<FormErrors>({});
  const [conflict, setConflict] = useState(false);
  const pending = create.isPending || update.isPending || plan.isPending;
  const typedLabels = toLabelsInput(labelsText);
  // Creating needs editor on the labels being given; editing, on the service as it is (the server also checks the new labels).
  const edit = usePermit("editor", editing ? editing.labels : "labels" in typedLabels ? typedLabels.labels : {});
  // Ids unique per form: a create form and several edit forms can be open at once.
  const uid = useId();
  const fid = (key: string) => `${uid}${key}`;
  const container = containerRuntimes.includes(values.runtime);

  const set = <K extends keyof ServiceFormValues>(key: K, value: ServiceFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const text = (key: keyof ServiceFormValues) => ({
    id: fid(key),
    value: values[key] as string,
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
    "aria-invalid": Boolean(errors[key]),
    "aria-describedby": errors[key] ? `${fid(key)}-error` : undefined,
  });

  /** Reads the service from the server: the live view may not have caught up with the change that beat us. */
  async function reloadLatest() {
    if (!editing) return;
    try {
      const latest = await queryClient.fetchQuery({ ...trpc.services.get.queryOptions({ id: editing.id }), staleTime: 0 });
      setValues(valuesFromService(latest));
      setTraffic(trafficDraftOf(latest.traffic, latest.listenPort));
      setStrategy(strategyDraftOf(latest.strategy));
      setAutoscale(autoscaleDraftOf(latest.autoscale));
      setLabelsText(labelsTextOf(latest.labels));
      setBaseVersion(latest.version);
      setConflict(false);
      setErrors({});
    } catch (err) {
      setErrors({ form: `could not load the latest version: ${(err as Error).message}` });
    }
  }

  function failed(err: unknown) {
    const failure = err as ServerError;
    if (editing && failure.data?.code === "CONFLICT") setConflict(true);
    else setErrors(serverErrors(failure));
  }

  async function apply(input: ServiceUpdateInput) {
    try {
      const saved = await update.mutateAsync(input);
      setPendingPlan(undefined);
      props.onDone(saved);
    } catch (err) {
      setPendingPlan(undefined);
      failed(err);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = toTemplateInput(values);
    const trafficParsed = toTrafficInput(traffic);
    const strategyParsed = toStrategyInput(strategy);
    const autoscaleParsed = toAutoscaleInput(autoscale, editing?.autoscale ?? null);
    const labelsParsed = toLabelsInput(labelsText);
    const found: FormErrors = {
      ...("error" in labelsParsed ? { labels: labelsParsed.error } : {}),
      ...("errors" in parsed ? parsed.errors : {}),
      ...("errors" in trafficParsed ? trafficParsed.errors : {}),
      ...("errors" in strategyParsed ? strategyParsed.errors : {}),
      ...("errors" in autoscaleParsed ? autoscaleParsed.errors : {}),
    };
    const name = serviceName.safeParse(values.name);
    const replicas = replicasSchema.safeParse(numberOrNaN(values.replicas));
    if (!editing) {
      if (!name.success) found.name = name.error.issues[0]!.message;
      if (!replicas.success) found.replicas = replicas.error.issues[0]!.message;
    }
    setErrors(found);
    if (Object.keys(found).length > 0 || !("template" in parsed) || !("traffic" in trafficParsed) || !("strategy" in strategyParsed) || !("autoscale" in autoscaleParsed) || !("labels" in labelsParsed)) return;
    const { listenPort } = trafficParsed;
    const { labels } = labelsParsed;
    try {
      if (!editing) {
        const created = await create.mutateAsync({ name: name.data!, replicas: replicas.data!, template: parsed.template, traffic: trafficParsed.traffic, listenPort, strategy: strategyParsed.strategy, autoscale: autoscaleParsed.autoscale, labels, position: props.position });
        return props.onDone(created);
      }
      // An external service has no template: only its traffic settings are Gantry's.
      const input: ServiceUpdateInput = {
        id: editing.id,
        version: baseVersion,
        patch: editing.external
          ? { traffic: trafficParsed.traffic, listenPort, labels }
          : { template: parsed.template, traffic: trafficParsed.traffic, listenPort, strategy: strategyParsed.strategy, autoscale: autoscaleParsed.autoscale, labels },
      };
      if (editing.external) return await apply(input);
      // Show what the change does to running instances before doing it.
      const preview = await plan.mutateAsync(input);
      // Only new revisions (its own or its callers') need a look first; other steps shown would be a running rollout's.
      if (preview.revision || preview.relinks.length > 0) setPendingPlan({ input, plan: preview });
      else await apply(input);
    } catch (err) {
      failed(err);
    }
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={editing ? `Edit ${editing.name}` : "New service"}
      className="@container mb-8 space-y-6 rounded-lg border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      {conflict && (
        <div role="alert" className="flex items-center justify-between gap-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          {editing?.name} was changed by someone else since you opened this form. Load the latest version and apply your edits again.
          <button type="button" className={buttonClass.secondary} onClick={reloadLatest}>
            Load latest
          </button>
        </div>
      )}
      {/* Frozen while a plan is shown: Apply saves exactly what was previewed. */}
      <fieldset disabled={pendingPlan !== undefined} className="min-w-0 space-y-6 disabled:opacity-60">
      {!editing?.external && (
      <Section title="What runs">
        {!editing && (
          <>
            <FormField id={fid("name")} label="Name" hint="A DNS label, e.g. checkout-api" error={errors.name}>
              <input {...text("name")} className={inputClass} autoFocus autoComplete="off" />
            </FormField>
            <FormField id={fid("replicas")} label="Replicas" hint="0 to 100" error={errors.replicas}>
              <input {...text("replicas")} type="number" min={0} max={100} className={inputClass} />
            </FormField>
          </>
        )}
        <FormField id={fid("runtime")} label="Runs as" error={errors.runtime}>
          <select id={fid("runtime")} value={values.runtime} onChange={(e) => set("runtime", e.target.value as ServiceFormValues["runtime"])} className={inputClass}>
            <option value="process">A process on Gantry&apos;s machine</option>
            <option value="docker">A Docker container</option>
            <option value="swarm">A Docker Swarm service (tasks on the swarm&apos;s nodes)</option>
          </select>
        </FormField>
        {container && <ContainerFields values={values} errors={errors} text={text} fid={fid} onNetwork={(network) => set("network", network)} />}
        <div className="@xl:col-span-2">
          <FormField
            id={fid("commandLine")}
            label="Command"
            hint={`${container ? "Empty runs the image's own command. " : ""}Run directly, no shell: node server.js --port $PORT is passed literally`}
            error={errors.commandLine}
          >
            <input {...text("commandLine")} placeholder={container ? "(the image's command)" : "node server.js"} className={`${inputClass} font-mono`} />
          </FormField>
          <label className="mt-2 flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
            <input type="checkbox" checked={values.shell} onChange={(e) => setValues((v) => shellToggled(v, e.target.checked))} /> Run through <code>/bin/sh -c</code> (pipes, variables, globs)
          </label>
        </div>
        <FormField id={fid("cwd")} label="Working directory" hint={container ? "An absolute path inside the container; empty: the image's" : "Relative to Gantry's folder; empty means that folder"} error={errors.cwd}>
          <input {...text("cwd")} placeholder={container ? "/app" : "examples/demo"} className={`${inputClass} font-mono`} />
        </FormField>
        <FormField id={fid("env")} label="Environment" hint="KEY=value, one per line. PORT is set by Gantry." error={errors.env}>
          <textarea {...text("env")} rows={3} className={`${inputClass} font-mono`} />
        </FormField>
        <SecretFields secrets={values.secrets} error={errors.secrets} onChange={(secrets) => set("secrets", secrets)} />
      </Section>

      )}
      {!editing?.external && (
      <Section title="Lifecycle">
        <FormField id={fid("restartPolicy")} label="Restart policy" error={errors.restartPolicy}>
          <select id={fid("restartPolicy")} value={values.restartPolicy} onChange={(e) => set("restartPolicy", e.target.value as ServiceFormValues["restartPolicy"])} className={inputClass}>
            {restartPolicies.map((policy) => (
              <option key={policy}>{policy}</option>
            ))}
          </select>
        </FormField>
        <FormField id={fid("gracePeriodSeconds")} label="Grace period (s)" hint="After the stop signal, before SIGKILL" error={errors.gracePeriodSeconds}>
          <input {...text("gracePeriodSeconds")} inputMode="numeric" className={inputClass} />
        </FormField>
        <FormField
          id={fid("memoryLimitMb")}
          label="Memory limit (MiB)"
          hint={`Empty: no limit. Over it, the instance is restarted (OOMKilled)${container ? "; the container's cgroup enforces it" : ""}`}
          error={errors.memoryLimitMb}
        >
          <input {...text("memoryLimitMb")} inputMode="numeric" className={inputClass} />
        </FormField>
        <label className="flex items-center gap-2 self-end pb-2 text-sm">
          <input type="checkbox" checked={values.listens} onChange={(e) => set("listens", e.target.checked)} /> Listens on <code>PORT</code>
        </label>
      </Section>

      )}
      {!editing?.external && (
        <Section title="Rollout">
          <StrategyFields idPrefix={uid} draft={strategy} errors={errors} onChange={setStrategy} />
        </Section>
      )}
      {!editing?.external && (
        <Section title="Autoscaling">
          <AutoscaleFields idPrefix={uid} draft={autoscale} errors={errors} onChange={setAutoscale} />
        </Section>
      )}

      <Section title="Ownership">
        <FormField id={fid("labels")} label="Labels" hint="key=value, one per line, e.g. team=payments: roles can be granted on services with a label" error={errors.labels}>
          <textarea id={fid("labels")} value={labelsText} onChange={(e) => setLabelsText(e.target.value)} rows={2} className={`${inputClass} font-mono`} aria-invalid={Boolean(errors.labels)} />
        </FormField>
      </Section>

      <Section title="Traffic">
        <TrafficFields idPrefix={uid} draft={traffic} errors={errors} onChange={setTraffic} />
      </Section>

      {!editing?.external && (
        <section className="space-y-3">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-zinc-500">Health checks</h3>
          {probeTypes.map((type) => (
            <ProbeFields key={type} idPrefix={uid} type={type} draft={values.probes[type]} errors={errors} onChange={(draft) => set("probes", { ...values.probes, [type]: draft })} />
          ))}
        </section>
      )}
      </fieldset>

      {errors.form && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {errors.form}
        </p>
      )}
      {pendingPlan ? (
        <PlanPreview plan={pendingPlan.plan} busy={update.isPending} onApply={() => apply(pendingPlan.input)} onBack={() => setPendingPlan(undefined)} />
      ) : (
        <SubmitRow label={editing ? "Save changes" : "Create service"} pendingLabel="Saving…" pending={pending} disabled={conflict || !edit.allowed} title={edit.title} onCancel={props.onCancel} />
      )}
    </form>
  );
}

type TextProps = (key: keyof ServiceFormValues) => { id: string; value: string; onChange(e: { target: { value: string } }): void };

/** What only a container has: its image, user, CPU limit and network. */
function ContainerFields(props: { values: ServiceFormValues; errors: FormErrors; text: TextProps; fid(key: string): string; onNetwork(network: ServiceFormValues["network"]): void }) {
  const { values, errors, text, fid } = props;
  return (
    <>
      <FormField id={fid("image")} label="Image" hint="Pulled when this machine doesn't have it, e.g. registry.example.com:5000/team/app:v2" error={errors.image}>
        <input {...text("image")} placeholder="nginx:1.27" className={`${inputClass} font-mono`} autoComplete="off" />
      </FormField>
      <FormField id={fid("user")} label="User" hint="A name, uid or uid:gid; empty: the image's" error={errors.user}>
        <input {...text("user")} className={`${inputClass} font-mono`} autoComplete="off" />
      </FormField>
      <FormField id={fid("cpuLimit")} label="CPU limit (cores)" hint="e.g. 0.5; empty: no limit" error={errors.cpuLimit}>
        <input {...text("cpuLimit")} inputMode="decimal" className={inputClass} />
      </FormField>
      {values.runtime === "swarm" && (
        <FormField id={fid("placement")} label="Placement" hint="One per line: constraints such as node.role==worker or node.labels.zone==eu, and spread=node.labels.zone to spread tasks evenly" error={errors.placement}>
          <textarea {...text("placement")} rows={2} className={`${inputClass} font-mono`} />
        </FormField>
      )}
      <FormField id={fid("network")} label="Network" hint="Host: it listens on PORT like a process. Published: on the daemon's bridge, PORT published on 127.0.0.1" error={errors.network}>
        <select id={fid("network")} value={values.network} onChange={(e) => props.onNetwork(e.target.value as ServiceFormValues["network"])} className={inputClass}>
          {containerNetworks.map((network) => (
            <option key={network}>{network}</option>
          ))}
        </select>
      </FormField>
    </>
  );
}
