import type { EventActor } from "../contracts/event";
import type { TopologyDelta } from "../contracts/realtime";
import type { Prisma } from "./database";
import type { Prisma as Rows } from "./generated/client";
import { toEvent } from "./records";
import type { Change, ChangeFeed } from "./changes";

export type Tx = Rows.TransactionClient;

export type NewEvent = {
  kind: string;
  message: string;
  serviceId?: string;
  serviceName?: string;
  instanceId?: string;
  data?: Rows.InputJsonValue;
};

export type Recorder = {
  /** Writes an Event row inside the transaction. */
  event(event: NewEvent): Promise<void>;
  /** Queues a topology delta, published only if the transaction commits. */
  topology(delta: TopologyDelta): void;
  /** Queues another change for after the commit. */
  change(change: Change): void;
};

/**
 * Runs a mutation and its audit events in one transaction, then tells listeners what changed.
 * Nothing is published for a transaction that rolls back.
 */
export async function auditedTransaction<T>(
  prisma: Prisma,
  feed: ChangeFeed,
  actor: EventActor,
  work: (tx: Tx, record: Recorder) => Promise<T>,
): Promise<T> {
  let changes: Change[] = [];
  const result = await prisma.$transaction(async (tx) => {
    changes = []; // a retried transaction starts over
    const record: Recorder = {
      event: async (event) => {
        const row = await tx.event.create({ data: { ...event, actor } });
        changes.push({ type: "event", event: toEvent(row) });
      },
      topology: (delta) => changes.push({ type: "topology", delta }),
      change: (change) => changes.push(change),
    };
    return work(tx, record);
  });
  for (const change of changes) feed.publish(change);
  return result;
}
