import { Suspense } from "react";
import { StatusMessage } from "@/components/status-message";
import { TimelineScrubber, TimeTravelToggle } from "@/components/time-travel/scrubber";
import { TopologyWorkspace } from "@/components/topology/workspace";

export default function TopologyPage() {
  return (
    // The canvas takes the rest of the window's height: main has 1.5rem padding above and below;
    // on a phone, 1rem, under the 3rem top bar.
    <div className="flex h-[calc(100dvh-5rem)] flex-col gap-3 md:h-[calc(100vh-3rem)]">
      <header className="flex items-baseline justify-between gap-4">
        <div className="flex items-baseline gap-3">
          <h1 className="text-2xl font-semibold tracking-tight">Topology</h1>
          <TimeTravelToggle />
        </div>
        {/* Mouse hints: on a phone they only take room. */}
        <p className="hidden text-xs text-zinc-500 md:block">
          Drag from a service&apos;s right edge and drop it anywhere on another to add a dependency · select and press Delete to remove · <kbd>?</kbd> for shortcuts
        </p>
      </header>
      <TimelineScrubber collapsible />
      <div className="min-h-0 flex-1">
        <Suspense fallback={<StatusMessage>Loading topology…</StatusMessage>}>
          <TopologyWorkspace />
        </Suspense>
      </div>
    </div>
  );
}
