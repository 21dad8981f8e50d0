"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { LogInterleaver, type TaggedLine } from "@/server/contracts/log-interleaver";
import type { LogStream } from "@/server/contracts/logs";
import { parseAnsi, stripAnsi } from "./ansi";
import { buttonClass, inputBase } from "./form-field";
import { useTRPC } from "./trpc";
import { useLogStream } from "./use-log-stream";

/** One colour per instance, in the order they joined (the CLI's: cyan, magenta, yellow, green, blue, red, then light ones). */
const INSTANCE_COLOURS = ["#22d3ee", "#e879f9", "#facc15", "#4ade80", "#60a5fa", "#f87171", "#a5f3fc", "#f5d0fe", "#fef08a", "#bbf7d0", "#bfdbfe", "#fecaca"];

function LogRow({ tagged, colour }: { tagged: TaggedLine; colour: string | undefined }) {
  const { line, instanceId } = tagged;
  return (
    <div className={`whitespace-pre-wrap break-all ${line.stream === "stderr" ? "text-red-300" : ""}`} data-testid="log-line">
      <span className="mr-2 select-none text-zinc-500">{new Date(line.at).toLocaleTimeString()}</span>
      {colour && (
        <span className="mr-2 select-none" style={{ color: colour }} data-testid="log-instance">
          {instanceId}
        </span>
      )}
      {parseAnsi(line.text).map((segment, i) => (
        <span key={i} style={{ color: segment.color, backgroundColor: segment.background, fontWeight: segment.bold ? 600 : undefined }}>
          {segment.text}
        </span>
      ))}
    </div>
  );
}

/** How many lines came after the last one shown while paused. */
function newSince(lines: TaggedLine[], frozen: TaggedLine[]): number {
  const last = frozen.at(-1);
  return last ? lines.length - (lines.lastIndexOf(last) + 1) : lines.length;
}

/**
 * A log: one instance's, or a service's with every instance's lines interleaved by time, tagged
 * and coloured per instance (`tagged`). The recent lines, then live as they come (follow, or pause
 * to read while new lines wait), filtered as you type; "Search all" asks the server for older matches.
 */
export function LogViewer({ title, instanceIds, tagged = false, onClose }: { title: string; instanceIds: readonly string[]; tagged?: boolean; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const live = useLogStream(instanceIds);
  /** What was shown when paused; null while following. */
  const [frozen, setFrozen] = useState<TaggedLine[] | null>(null);
  const [filter, setFilter] = useState("");
  const [stream, setStream] = useState<"" | LogStream>("");
  const [instance, setInstance] = useState("");
  const [found, setFound] = useState<TaggedLine[] | null>(null);
  const [searchError, setSearchError] = useState<string>();
  const scroller = useRef<HTMLDivElement>(null);
  const following = frozen === null && found === null;

  const lines = found ?? frozen ?? live.lines ?? [];
  const held = frozen && live.lines ? newSince(live.lines, frozen) : 0;
  const needle = filter.toLowerCase();
  const shown = lines.filter(({ instanceId, line }) => (!instance || instanceId === instance) && (!stream || line.stream === stream) && (!needle || stripAnsi(line.text).toLowerCase().includes(needle)));
  const colourOf = (instanceId: string) => (tagged ? INSTANCE_COLOURS[live.interleaver.indexOf(instanceId) % INSTANCE_COLOURS.length] : undefined);

  useEffect(() => {
    if (following && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [following, shown.length]);

  async function searchAll() {
    setSearchError(undefined);
    try {
      const ids = instance ? [instance] : instanceIds;
      const merged = new LogInterleaver(0);
      const results = await Promise.all(
        ids.map(async (instanceId) => ({
          instanceId,
          lines: await queryClient.fetchQuery({ ...trpc.logs.search.queryOptions({ instanceId, text: filter || undefined, stream: stream || undefined, tail: 1000 }), staleTime: 0 }),
        })),
      );
      for (const result of results) merged.add(result.instanceId, result.lines, 0);
      setFound(merged.flush(0, true));
    } catch (err) {
      setSearchError((err as Error).message);
    }
  }

  return (
    <section aria-label={`Logs of ${title}`} className="border-t border-zinc-100 dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-2 px-4 py-2">
        <h3 className="mr-2 font-mono text-xs font-semibold">{title}</h3>
        <input aria-label="Filter log lines" placeholder="filter…" value={filter} onChange={(e) => setFilter(e.target.value)} className={`${inputBase} h-7 w-48`} />
        <select aria-label="Stream" value={stream} onChange={(e) => setStream(e.target.value as "" | LogStream)} className={`${inputBase} h-7 w-28`}>
          <option value="">all</option>
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </select>
        {tagged && (
          <select aria-label="Only instance" value={instance} onChange={(e) => setInstance(e.target.value)} className={`${inputBase} h-7 w-40`}>
            <option value="">every instance</option>
            {instanceIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        )}
        <button type="button" className={buttonClass.secondary} onClick={searchAll}>
          Search all
        </button>
        {found ? (
          <button type="button" className={buttonClass.secondary} onClick={() => (setFound(null), setFrozen(null))}>
            Back to live
          </button>
        ) : following ? (
          <button type="button" className={buttonClass.secondary} onClick={() => setFrozen(live.lines ?? [])}>
            Pause
          </button>
        ) : (
          <button type="button" className={buttonClass.primary} onClick={() => setFrozen(null)}>
            Follow{held > 0 ? ` (${held} new)` : ""}
          </button>
        )}
        <span className="text-xs text-zinc-500">{found ? `${found.length} matches` : following ? "following" : "paused"}</span>
        <button type="button" className="ml-auto text-xs text-zinc-500 hover:text-zinc-900 dark:hover:text-white" onClick={onClose}>
          Close
        </button>
      </div>
      {searchError && <p role="alert" className="px-4 text-xs text-red-600">{searchError}</p>}
      <div ref={scroller} className="h-64 overflow-y-auto bg-zinc-950 px-4 py-2 font-mono text-xs leading-5 text-zinc-200" data-testid="log-lines">
        {!live.lines && !found ? (
          <p className="text-zinc-500">Loading…</p>
        ) : shown.length === 0 ? (
          <p className="text-zinc-500">No lines{filter ? " match" : " yet"}.</p>
        ) : (
          shown.map((line, i) => <LogRow key={`${line.instanceId}-${line.line.at}-${i}`} tagged={line} colour={colourOf(line.instanceId)} />)
        )}
      </div>
    </section>
  );
}
