import type { Engine } from "../engine";
import type { Prisma } from "../store/database";
import { listEvents } from "../services/event-log";
import type { ChangeFeed } from "../store/changes";
import type { Topology } from "../services/topology";
import type { TopicSources } from "./gateway";

/** Binds each realtime topic to its snapshot query and to the committed-change feed. */
export function createTopicSources(prisma: Prisma, topology: Topology, feed: ChangeFeed, engine: Engine): TopicSources {
  return {
    topology: {
      snapshot: async () => ({ services: await topology.listServices(), dependencies: await topology.listDependencies() }),
      subscribe: (push) => feed.subscribe((change) => change.type === "topology" && push(change.delta)),
    },
    events: {
      snapshot: () => listEvents(prisma, { limit: 100 }),
      subscribe: (push) => feed.subscribe((change) => change.type === "event" && push(change.event)),
    },
    instances: {
      snapshot: async () => engine.instances(),
      subscribe: (push) => engine.subscribe(push),
    },
    catalog: {
      snapshot: async () => engine.catalog.list(),
      subscribe: (push) =>
        engine.catalog.subscribe((change) => push(change.kind === "upserted" ? { kind: "upserted", entry: change.entry } : { kind: "removed", id: change.entry.id })),
    },
  };
}
