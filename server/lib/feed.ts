import type { Logger } from "./logger";

/** A synchronous in-process fan-out. A failing listener is logged and never stops the others. */
export class Feed<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (err) {
        this.log.error({ err, feed: this.name }, "feed listener failed");
      }
    }
  }
}
