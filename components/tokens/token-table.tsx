"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { ApiToken } from "@/server/contracts/access";
import { RoleBadge } from "../access/role-badge";
import { RelativeTime } from "../relative-time";
import { StatusMessage } from "../status-message";
import { cellClass, rowActionClass, rowClass, TableCard } from "../table-card";
import { useTRPC } from "../trpc";
import { useNow } from "../use-now";
import { RevokeTokenDialog } from "./revoke-token-dialog";

function Expiry({ token, now }: { token: ApiToken; now: number | undefined }) {
  if (!token.expiresAt) return <>never</>;
  if (now !== undefined && Date.parse(token.expiresAt) <= now) {
    return (
      <span className="rounded bg-red-100 px-1.5 py-0.5 font-medium text-red-800 dark:bg-red-950 dark:text-red-300" title={new Date(token.expiresAt).toLocaleString()}>
        expired
      </span>
    );
  }
  return <RelativeTime iso={token.expiresAt} />;
}

/** The caller's API tokens (an admin's list has everyone's, with the owner shown), each revocable. */
export function TokenTable({ showOwner }: { showOwner: boolean }) {
  const trpc = useTRPC();
  const { data: tokens, error } = useQuery(trpc.tokens.list.queryOptions());
  const [revoking, setRevoking] = useState<ApiToken>();
  const now = useNow(60_000);

  if (error) return <StatusMessage tone="error">Could not load tokens: {error.message}</StatusMessage>;
  if (!tokens) return <StatusMessage>Loading tokens…</StatusMessage>;
  if (tokens.length === 0) return <StatusMessage>No API tokens yet. Create one for a script, CI job or the CLI.</StatusMessage>;
  const headers = ["Name", "Role", ...(showOwner ? ["Owner"] : []), "Created", "Expires", "Last used", ""];
  return (
    <>
      <TableCard label="API tokens" headers={headers}>
        {tokens.map((token) => (
          <tr key={token.id} data-testid={`token-${token.name}`} className={rowClass}>
            <td className={`${cellClass} font-medium`}>{token.name}</td>
            <td className={cellClass}>
              <RoleBadge role={token.role} />
            </td>
            {showOwner && <td className={cellClass}>{token.username}</td>}
            <td className={`${cellClass} text-xs text-zinc-500`}>
              <RelativeTime iso={token.createdAt} />
            </td>
            <td className={`${cellClass} text-xs text-zinc-500`}>
              <Expiry token={token} now={now} />
            </td>
            <td className={`${cellClass} text-xs text-zinc-500`}>{token.lastUsedAt ? <RelativeTime iso={token.lastUsedAt} /> : "never"}</td>
            <td className={`${cellClass} text-right`}>
              <button
                type="button"
                className={`${rowActionClass} hover:text-red-600`}
                aria-label={showOwner ? `Revoke ${token.name} of ${token.username}` : `Revoke ${token.name}`}
                onClick={() => setRevoking(token)}
              >
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </TableCard>
      {revoking && <RevokeTokenDialog token={revoking} showOwner={showOwner} onClose={() => setRevoking(undefined)} />}
    </>
  );
}
