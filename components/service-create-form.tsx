"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { replicas as replicasSchema, serviceName } from "@/server/contracts/service";
import { splitCommandLine } from "./command-line";
import { parseEnvText } from "./env-text";
import { buttonClass, FormField, inputClass } from "./form-field";
import { useTRPC } from "./trpc";

type Field = "name" | "commandLine" | "cwd" | "replicas" | "env" | "form";
type Errors = Partial<Record<Field, string>>;

/** Server field paths → the input that shows the message. */
function fieldFor(path: string): Field {
  if (path === "name" || path === "replicas") return path;
  if (path === "template.cwd") return "cwd";
  if (path.startsWith("template.env")) return "env";
  if (path.startsWith("template.")) return "commandLine";
  return "form";
}

export function ServiceCreateForm({ onCreated, onCancel }: { onCreated(name: string): void; onCancel(): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.services.create.mutationOptions());
  const [errors, setErrors] = useState<Errors>({});

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (key: string) => String(form.get(key) ?? "");
    const found: Errors = {};

    const name = serviceName.safeParse(value("name"));
    if (!name.success) found.name = name.error.issues[0]?.message;

    const shell = form.get("shell") === "on";
    let argv: string[] = [];
    try {
      argv = shell ? [value("commandLine").trim()] : splitCommandLine(value("commandLine"));
    } catch (err) {
      found.commandLine = `command line: ${(err as Error).message}`;
    }
    if (!found.commandLine && (argv.length === 0 || argv[0] === "")) found.commandLine = "command is required";

    const replicas = replicasSchema.safeParse(value("replicas") === "" ? Number.NaN : Number(value("replicas")));
    if (!replicas.success) found.replicas = replicas.error.issues[0]?.message;

    const env = parseEnvText(value("env"));
    if ("error" in env) found.env = env.error;

    setErrors(found);
    if (Object.keys(found).length > 0 || !name.success || !replicas.success || "error" in env) return;

    const [command = "", ...args] = argv;
    try {
      const service = await create.mutateAsync({
        name: name.data,
        replicas: replicas.data,
        template: { command, args, shell, cwd: value("cwd"), env: env.env },
      });
      onCreated(service.name);
    } catch (err) {
      const data = (err as { data?: { fieldErrors?: Record<string, string> } }).data;
      const serverErrors: Errors = {};
      for (const [path, message] of Object.entries(data?.fieldErrors ?? {})) serverErrors[fieldFor(path)] ??= message;
      if (Object.keys(serverErrors).length === 0) serverErrors.form = (err as Error).message;
      setErrors(serverErrors);
    }
  }

  const describedBy = (field: Field) => (errors[field] ? `${field}-error` : undefined);

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label="New service"
      className="mb-8 grid gap-4 rounded-lg border border-zinc-200 bg-white p-5 shadow-sm sm:grid-cols-2 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <FormField id="name" label="Name" hint="A DNS label, e.g. checkout-api" error={errors.name}>
        <input id="name" name="name" className={inputClass} autoFocus autoComplete="off" aria-invalid={Boolean(errors.name)} aria-describedby={describedBy("name")} />
      </FormField>
      <FormField id="replicas" label="Replicas" hint="0 to 100" error={errors.replicas}>
        <input id="replicas" name="replicas" type="number" min={0} max={100} defaultValue={1} className={inputClass} aria-invalid={Boolean(errors.replicas)} aria-describedby={describedBy("replicas")} />
      </FormField>
      <div className="sm:col-span-2">
        <FormField id="commandLine" label="Command" hint="Run directly, no shell: node server.js --port $PORT is passed literally" error={errors.commandLine}>
          <input id="commandLine" name="commandLine" placeholder="node server.js" className={`${inputClass} font-mono`} aria-invalid={Boolean(errors.commandLine)} aria-describedby={describedBy("commandLine")} />
        </FormField>
        <label className="mt-2 flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
          <input type="checkbox" name="shell" /> Run through <code>/bin/sh -c</code> (pipes, variables, globs)
        </label>
      </div>
      <FormField id="cwd" label="Working directory" hint="Relative to Gantry's folder; empty means that folder" error={errors.cwd}>
        <input id="cwd" name="cwd" placeholder="examples/demo" className={`${inputClass} font-mono`} aria-invalid={Boolean(errors.cwd)} aria-describedby={describedBy("cwd")} />
      </FormField>
      <FormField id="env" label="Environment" hint="KEY=value, one per line. PORT is set by Gantry." error={errors.env}>
        <textarea id="env" name="env" rows={3} className={`${inputClass} font-mono`} aria-invalid={Boolean(errors.env)} aria-describedby={describedBy("env")} />
      </FormField>
      {errors.form && (
        <p role="alert" className="text-sm text-red-600 sm:col-span-2 dark:text-red-400">
          {errors.form}
        </p>
      )}
      <div className="flex gap-2 sm:col-span-2">
        <button type="submit" className={buttonClass.primary} disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create service"}
        </button>
        <button type="button" className={buttonClass.secondary} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
