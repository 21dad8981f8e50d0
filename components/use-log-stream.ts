"use client";

import { useEffect, useState } from "react";
import { LogInterleaver, type TaggedLine } from "@/server/contracts/log-interleaver";
import { realtime } from "./realtime/connection";

const MAX_LINES = 2000;
/** How long a line waits for lines of other instances stamped before it (as `gantry logs -f`). */
const REORDER_WINDOW_MS = 300;
const FLUSH_EVERY_MS = 100;

const keepLastLines = <T,>(lines: T[]): T[] => (lines.length > MAX_LINES ? lines.slice(-MAX_LINES) : lines);

/**
 * Both lists in stamp order, as one. A batch an instance's collection stamped early may come after
 * the window has let later lines by (a slow connection): unlike a terminal, a page can put it in place.
 */
function mergeByTime(shown: TaggedLine[], released: TaggedLine[]): TaggedLine[] {
  if (shown.length === 0 || shown.at(-1)!.line.at <= released[0]!.line.at) return [...shown, ...released];
  const merged: TaggedLine[] = [];
  let i = 0;
  for (const line of released) {
    while (i < shown.length && shown[i]!.line.at <= line.line.at) merged.push(shown[i++]!);
    merged.push(line);
  }
  return [...merged, ...shown.slice(i)];
}

/**
 * The live log of one or more instances, interleaved by time: each one's recent past (its
 * snapshot), then lines as they come. Instances may join while it runs (scaling, restarts); the
 * lines of those that left stay. Undefined until the first snapshot.
 */
export function useLogStream(instanceIds: readonly string[]): { lines: TaggedLine[] | undefined; interleaver: LogInterleaver } {
  const [interleaver] = useState(() => new LogInterleaver(REORDER_WINDOW_MS));
  const [lines, setLines] = useState<TaggedLine[]>();
  const key = [...instanceIds].sort().join(" ");

  useEffect(() => {
    const ids = key.split(" ").filter(Boolean);
    if (ids.length === 0) setLines((current) => current ?? []);
    // Subscribing again (an instance joined) repeats snapshots: the interleaver keeps only what is new.
    const stops = ids.map((id) => {
      interleaver.addInstance(id);
      return realtime().subscribe(`logs:${id}`, {
        snapshot: (snapshot) => {
          interleaver.add(id, snapshot, Date.now());
          setLines((current) => current ?? []);
        },
        delta: (fresh) => interleaver.add(id, fresh, Date.now()),
      });
    });
    return () => stops.forEach((stop) => stop());
  }, [key, interleaver]);

  useEffect(() => {
    const timer = setInterval(() => {
      const released = interleaver.flush(Date.now());
      if (released.length > 0) setLines((current) => keepLastLines(mergeByTime(current ?? [], released)));
    }, FLUSH_EVERY_MS);
    return () => clearInterval(timer);
  }, [interleaver]);

  return { lines, interleaver };
}
