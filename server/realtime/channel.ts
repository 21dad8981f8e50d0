import type { TopicName } from "../contracts/realtime";
import { textFrame } from "./frame";
import type { TopicSource } from "./gateway";

/** A delta's message, encoded once for every socket: sockets whose queues hold the same deltas share a frame. */
export type EncodedDelta = string;

/**
 * A socket's place on a channel: its deltas are held back while its snapshot is read, then handed
 * to the gateway for `owner`. Plain data, no closure: ten thousand dashboards hold five each.
 */
export type Membership<Owner> = { readonly owner: Owner; held: EncodedDelta[] | undefined };

/**
 * A topic's one upstream subscription, whatever the number of sockets watching it. Each delta is
 * encoded once; snapshots are read and encoded once for every socket that asked before the read
 * began (one that began earlier could miss deltas the newcomer did not hold back).
 */
export class Channel<Owner> {
  readonly members = new Set<Membership<Owner>>();
  private readonly stopSource: () => void;
  /** The read newcomers join: not started yet, so it sees everything they did not hold back. */
  private nextRead: Promise<Buffer> | undefined;
  private lastRead: Promise<unknown> = Promise.resolve();

  constructor(
    readonly topic: TopicName,
    private readonly source: TopicSource,
    deliver: (owner: Owner, delta: EncodedDelta) => void,
  ) {
    this.stopSource = source.subscribe((data) => {
      const delta = JSON.stringify({ type: "delta", topic, data });
      for (const member of this.members) {
        if (member.held) member.held.push(delta);
        else deliver(member.owner, delta);
      }
    });
  }

  /** The snapshot as a whole text frame; joins a read that has not begun, else queues one after the current read. */
  snapshot(): Promise<Buffer> {
    if (!this.nextRead) {
      const read = this.lastRead.then(() => {
        this.nextRead = undefined;
        return this.source.snapshot();
      });
      this.nextRead = read.then((data) => textFrame(JSON.stringify({ type: "snapshot", topic: this.topic, data })));
      this.lastRead = this.nextRead.catch(() => {});
    }
    return this.nextRead;
  }

  stop(): void {
    this.stopSource();
  }
}
