import type { TopicName, TopicTypes } from "@/server/contracts/realtime";

/** How a view builds its state from a topic: from a snapshot, then from each delta. */
export type TopicFold<T extends TopicName, S> = {
  fromSnapshot(snapshot: TopicTypes[T]["snapshot"]): S;
  applyDelta(state: S, delta: TopicTypes[T]["delta"]): S;
};

/** The part of the tab's realtime connection a fold needs. */
export type TopicSource = {
  subscribe<T extends TopicName>(topic: T, listener: { snapshot(data: TopicTypes[T]["snapshot"]): void; delta(data: TopicTypes[T]["delta"]): void }): () => void;
};

type Folded = { state: unknown; views: Set<() => void>; unsubscribe: () => void };

/**
 * One folded state per topic and fold, shared by every view that reads it while any does. A view
 * that opens later (the inspector beside the canvas) starts from the state the others hold. Before,
 * it asked the server for a snapshot of its own, which every view of the topic then started over
 * from: a click that opened the inspector rebuilt all 1,000 nodes and 1,500 edges of the canvas.
 */
export class TopicFolds {
  private readonly folds = new WeakMap<TopicFold<never, unknown>, Map<TopicName, Folded>>();

  constructor(private readonly source: TopicSource) {}

  /** The fold's state, undefined until the topic's first snapshot (or while nobody reads it). */
  current<T extends TopicName, S>(topic: T, fold: TopicFold<T, S>): S | undefined {
    return this.folded(fold).get(topic)?.state as S | undefined;
  }

  /** Calls `changed` whenever the state moves on; the topic is subscribed while anyone reads it. */
  read<T extends TopicName, S>(topic: T, fold: TopicFold<T, S>, changed: () => void): () => void {
    const byTopic = this.folded(fold);
    let folded = byTopic.get(topic);
    if (!folded) {
      const entry: Folded = { state: undefined, views: new Set(), unsubscribe: () => {} };
      const set = (state: S | undefined) => {
        entry.state = state;
        for (const view of entry.views) view();
      };
      entry.unsubscribe = this.source.subscribe(topic, {
        snapshot: (snapshot) => set(fold.fromSnapshot(snapshot)),
        // A delta before the first snapshot has nothing to apply to: the snapshot will include it.
        delta: (delta) => {
          if (entry.state !== undefined) set(fold.applyDelta(entry.state as S, delta));
        },
      });
      folded = entry;
      byTopic.set(topic, folded);
    }
    const views = folded.views;
    const unsubscribe = folded.unsubscribe;
    views.add(changed);
    return () => {
      views.delete(changed);
      if (views.size > 0 || byTopic.get(topic)?.views !== views) return;
      // Nobody reads it: stop, and start from a fresh snapshot when someone does again.
      byTopic.delete(topic);
      unsubscribe();
    };
  }

  private folded<T extends TopicName, S>(fold: TopicFold<T, S>): Map<TopicName, Folded> {
    const key = fold as unknown as TopicFold<never, unknown>;
    let byTopic = this.folds.get(key);
    if (!byTopic) this.folds.set(key, (byTopic = new Map()));
    return byTopic;
  }
}
