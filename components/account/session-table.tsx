"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormError } from "../form-error";
import { RelativeTime } from "../relative-time";
import { StatusMessage } from "../status-message";
import { cellClass, rowActionClass, rowClass, TableCard } from "../table-card";
import { useTRPC } from "../trpc";
import { shortenUserAgent } from "./user-agent";

/** Where the user is signed in; any session but this browser's can be ended here. */
export function SessionTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: sessions, error } = useQuery(trpc.account.sessions.queryOptions());
  const end = useMutation({
    ...trpc.account.endSession.mutationOptions(),
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.account.sessions.queryKey() }),
  });

  if (error) return <StatusMessage tone="error">Could not load your sessions: {error.message}</StatusMessage>;
  if (!sessions) return <StatusMessage>Loading sessions…</StatusMessage>;
  return (
    <>
      <FormError>{end.error?.message}</FormError>
      <TableCard label="Sessions" headers={["Device", "Address", "Signed in", "Last active", ""]}>
        {sessions.map((session) => {
          const device = shortenUserAgent(session.userAgent);
          return (
            <tr key={session.id} data-testid={session.current ? "session-current" : "session"} className={rowClass}>
              <td className={cellClass} title={session.userAgent ?? undefined}>
                {device}
                {session.current && (
                  <span className="ml-2 rounded-full bg-sky-100 px-1.5 py-0.5 text-[11px] font-medium text-sky-800 dark:bg-sky-950 dark:text-sky-300">this browser</span>
                )}
              </td>
              <td className={`${cellClass} font-mono text-xs`}>{session.address ?? "—"}</td>
              <td className={`${cellClass} text-xs text-zinc-500`}>
                <RelativeTime iso={session.createdAt} />
              </td>
              <td className={`${cellClass} text-xs text-zinc-500`}>{session.current ? "now" : <RelativeTime iso={session.lastSeenAt} />}</td>
              <td className={`${cellClass} text-right`}>
                {!session.current && (
                  <button
                    type="button"
                    className={`${rowActionClass} hover:text-red-600`}
                    aria-label={`End session on ${device}${session.address ? ` from ${session.address}` : ""}`}
                    disabled={end.isPending && end.variables?.id === session.id}
                    onClick={() => end.mutate({ id: session.id })}
                  >
                    End
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </TableCard>
    </>
  );
}
