"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";
import { postAuth } from "@/components/access/session-state";
import { buttonClass, FormField, inputClass } from "@/components/form-field";

function Setup() {
  const token = useSearchParams().get("token") ?? "";
  const router = useRouter();
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<{ message: string; field?: string }>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== confirm) return setError({ message: "the two passwords differ", field: "confirm" });
    setBusy(true);
    const result = await postAuth("/api/auth/setup", { token, username, password });
    setBusy(false);
    if (result.ok) return router.replace("/");
    setError({ message: result.error, field: result.field });
  }

  if (!token) return <p className="text-sm text-zinc-500">Open the setup link Gantry printed when it started: it holds a one-time code.</p>;
  const fieldError = (field: string) => (error?.field === field ? error.message : undefined);
  return (
    <form onSubmit={submit} className="space-y-3" aria-label="Create the first admin">
      <h1 className="text-xl font-semibold">Welcome</h1>
      <p className="text-sm text-zinc-500">Create the first admin. Admins add the rest of the team from the Users page.</p>
      <FormField id="username" label="Username" error={fieldError("username")}>
        <input id="username" className={inputClass} autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      </FormField>
      <FormField id="password" label="Password" hint="At least 10 characters." error={fieldError("password")}>
        <input id="password" type="password" className={inputClass} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
      </FormField>
      <FormField id="confirm" label="Password again" error={fieldError("confirm")}>
        <input id="confirm" type="password" className={inputClass} autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required />
      </FormField>
      {error && !error.field && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error.message}
        </p>
      )}
      <button type="submit" className={`${buttonClass.primary} w-full justify-center`} disabled={busy}>
        {busy ? "Creating…" : "Create admin and sign in"}
      </button>
    </form>
  );
}

export default function SetupPage() {
  return (
    <Suspense>
      <Setup />
    </Suspense>
  );
}
