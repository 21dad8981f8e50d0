"use client";

import { useRef } from "react";
import type { CreatedToken } from "@/server/contracts/access";
import { CopyButton } from "../copy-button";
import { buttonClass } from "../form-field";
import { curlExample } from "./token-options";

const codeClass = "block min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded-md bg-white px-3 py-1.5 font-mono dark:bg-zinc-900";

/** A new token's secret, shown this once, with a way to copy it and a command to try it. */
export function CreatedTokenSecret({ token, onDone }: { token: CreatedToken; onDone(): void }) {
  const secretRef = useRef<HTMLElement>(null);
  // Rendered only after a creation in this browser, so `location` is there.
  const command = curlExample(token.secret, window.location.origin);
  return (
    <section
      aria-label={`Secret of ${token.name}`}
      className="mb-6 space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-5 text-amber-950 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <h2 className="text-base font-semibold">Token {token.name} created</h2>
      <p className="text-sm font-medium">Copy it now: Gantry keeps only a hash and can&apos;t show it again.</p>
      <div className="flex items-center gap-2">
        <code ref={secretRef} data-testid="token-secret" className={`${codeClass} text-sm`}>
          {token.secret}
        </code>
        <CopyButton text={token.secret} target={secretRef} />
      </div>
      <p className="text-sm">Try it:</p>
      <code data-testid="token-usage" className={`${codeClass} text-xs`}>
        {command}
      </code>
      <button type="button" className={buttonClass.secondary} onClick={onDone}>
        I&apos;ve copied it
      </button>
    </section>
  );
}
