"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { LogLine, LogStream } from "@/server/contracts/logs";
import { parseAnsi, stripAnsi } from "./ansi";
import { buttonClass, inputBase } from "./form-field";
import { useTopic } from "./realtime/hooks";
import { useTRPC } from "./trpc";

const MAX_LINES = 2000;

const keepLast = (lines: LogLine[]) => (lines.length > MAX_LINES ? lines.slice(-MAX_LINES) : lines);

function LogRow({ line }: { line: LogLine }) {
  return (
    <div className={`whitespace-pre-wrap break-all ${line.stream === "stderr" ? "text-red-300" : ""}`} data-testid="log-line">
      <span className="mr-2 select-none text-zinc-500">{new Date(line.at).toLocaleTimeString()}</span>
      {parseAnsi(line.text).map((segment, i) => (
        <span key={i} style={{ color: segment.color, backgroundColor: segment.background, fontWeight: segment.bold ? 600 : undefined }}>
          {segment.text}
        </span>
      ))}
    </div>
  );
}

/**
 * An instance's log: the recent lines, then live as they come (follow, or pause to read while
 * new lines wait), filtered as you type; "Search all" asks the server for older matches.
 */
export function LogViewer({ instanceId, onClose }: { instanceId: string; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [following, setFollowing] = useState(true);
  const [held, setHeld] = useState<LogLine[]>([]);
  const [filter, setFilter] = useState("");
  const [stream, setStream] = useState<"" | LogStream>("");
  const [found, setFound] = useState<LogLine[] | null>(null);
  const [searchError, setSearchError] = useState<string>();
  const followingRef = useRef(following);
  followingRef.current = following;
  const scroller = useRef<HTMLDivElement>(null);

  const fromSnapshot = useCallback((lines: LogLine[]) => lines, []);
  const applyDelta = useCallback((lines: LogLine[], fresh: LogLine[]) => {
    if (!followingRef.current) {
      setHeld((h) => keepLast([...h, ...fresh]));
      return lines;
    }
    return keepLast([...lines, ...fresh]);
  }, []);
  const live = useTopic(`logs:${instanceId}`, fromSnapshot, applyDelta);

  const resume = () => {
    setFollowing(true);
    setHeld([]);
  };
  const lines = found ?? live ?? [];
  const needle = filter.toLowerCase();
  const shown = lines.filter((l) => (!stream || l.stream === stream) && (!needle || stripAnsi(l.text).toLowerCase().includes(needle)));

  useEffect(() => {
    if (following && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [following, shown.length]);

  async function searchAll() {
    setSearchError(undefined);
    try {
      setFound(await queryClient.fetchQuery({ ...trpc.logs.search.queryOptions({ instanceId, text: filter || undefined, stream: stream || undefined, tail: 1000 }), staleTime: 0 }));
      setFollowing(false);
    } catch (err) {
      setSearchError((err as Error).message);
    }
  }

  return (
    <section aria-label={`Logs of ${instanceId}`} className="border-t border-zinc-100 dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-2 px-4 py-2">
        <h3 className="mr-2 font-mono text-xs font-semibold">{instanceId}</h3>
        <input aria-label="Filter log lines" placeholder="filter…" value={filter} onChange={(e) => setFilter(e.target.value)} className={`${inputBase} h-7 w-48`} />
        <select aria-label="Stream" value={stream} onChange={(e) => setStream(e.target.value as "" | LogStream)} className={`${inputBase} h-7 w-28`}>
          <option value="">all</option>
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </select>
        <button type="button" className={buttonClass.secondary} onClick={searchAll}>
          Search all
        </button>
        {found ? (
          <button type="button" className={buttonClass.secondary} onClick={() => (setFound(null), resume())}>
            Back to live
          </button>
        ) : following ? (
          <button type="button" className={buttonClass.secondary} onClick={() => setFollowing(false)}>
            Pause
          </button>
        ) : (
          <button type="button" className={buttonClass.primary} onClick={resume}>
            Follow{held.length > 0 ? ` (${held.length} new)` : ""}
          </button>
        )}
        <span className="text-xs text-zinc-500">{found ? `${found.length} matches` : following ? "following" : "paused"}</span>
        <button type="button" className="ml-auto text-xs text-zinc-500 hover:text-zinc-900 dark:hover:text-white" onClick={onClose}>
          Close
        </button>
      </div>
      {searchError && <p role="alert" className="px-4 text-xs text-red-600">{searchError}</p>}
      <div ref={scroller} className="h-64 overflow-y-auto bg-zinc-950 px-4 py-2 font-mono text-xs leading-5 text-zinc-200" data-testid="log-lines">
        {!live && !found ? <p className="text-zinc-500">Loading…</p> : shown.length === 0 ? <p className="text-zinc-500">No lines{filter ? " match" : " yet"}.</p> : shown.map((line, i) => <LogRow key={`${line.at}-${i}`} line={line} />)}
      </div>
    </section>
  );
}
