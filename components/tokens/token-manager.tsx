"use client";

import { useState } from "react";
import type { CreatedToken, Me } from "@/server/contracts/access";
import { buttonClass } from "../form-field";
import { PageHeader } from "../page-header";
import { CreatedTokenSecret } from "./created-token-secret";
import { TokenCreateForm } from "./token-create-form";
import { TokenTable } from "./token-table";

export const tokensTitle = "API tokens";
export const tokensDescription = "For scripts, CI and the CLI: send one as Authorization: Bearer. Each acts for a user, with a role no higher than theirs.";

/** The tokens page: the list, the form for a new one, and a new token's secret, shown once. */
export function TokenManager({ me }: { me: Me }) {
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken>();
  return (
    <>
      <PageHeader
        title={tokensTitle}
        description={tokensDescription}
        actions={
          !creating && (
            <button type="button" className={buttonClass.primary} onClick={() => (setCreating(true), setCreated(undefined))}>
              New token
            </button>
          )
        }
      />
      {created && <CreatedTokenSecret token={created} onDone={() => setCreated(undefined)} />}
      {creating && (
        <TokenCreateForm
          me={me}
          onCreated={(token) => {
            setCreating(false);
            setCreated(token);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <TokenTable showOwner={me.role === "admin"} />
    </>
  );
}
