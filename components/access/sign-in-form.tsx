"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { SignInOptions } from "@/server/contracts/access";
import { buttonClass, FormField, inputClass } from "../form-field";
import { postAuth } from "./session-state";

async function signInOptions(): Promise<SignInOptions> {
  const res = await fetch("/api/auth/options");
  if (!res.ok) throw new Error(`Gantry answered ${res.status}`);
  return (await res.json()) as SignInOptions;
}

/** Username and password, and the single sign-on button when Gantry has a provider. */
export function SignInForm({ next, onSignedIn, initialError }: { next: string; onSignedIn(): void; initialError?: string }) {
  const { data: options } = useQuery({ queryKey: ["sign-in-options"], queryFn: signInOptions, staleTime: 60_000 });
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await postAuth("/api/auth/login", { username, password });
    setBusy(false);
    if (result.ok) return onSignedIn();
    setError(result.error);
    setPassword("");
  }

  return (
    <div className="space-y-4">
      {options?.setupRequired && (
        <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 dark:bg-amber-950 dark:text-amber-200">
          Nobody can sign in yet. Open the setup link Gantry printed when it started to create the first admin.
        </p>
      )}
      <form onSubmit={submit} className="space-y-3" aria-label="Sign in">
        <FormField id="username" label="Username">
          <input id="username" className={inputClass} autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </FormField>
        <FormField id="password" label="Password">
          <input id="password" type="password" className={inputClass} autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </FormField>
        {error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <button type="submit" className={`${buttonClass.primary} w-full justify-center`} disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {options?.oidc && (
        <a href={`/api/auth/oidc/login?next=${encodeURIComponent(next)}`} className={`${buttonClass.secondary} w-full justify-center`}>
          Sign in with {options.oidc.name}
        </a>
      )}
    </div>
  );
}
