import type { MetricPoint, SeriesKey } from "../contracts/metrics";
import type { FixedTopic, MetricsDelta, TopicName } from "../contracts/realtime";
import type { Engine } from "../engine";
import { listEvents } from "../services/event-log";
import type { LoadGenerator } from "../services/load-generator";
import type { Rollouts } from "../services/rollouts";
import type { Topology } from "../services/topology";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import type { TopicResolver, TopicSource } from "./gateway";

export type TopicDeps = { prisma: Prisma; topology: Topology; rollouts: Rollouts; feed: ChangeFeed; engine: Engine; loadgen: LoadGenerator };

const SPARKLINE_MS = 60_000;

/** Keeps only the points of the given series. */
function pick(points: Record<SeriesKey, MetricPoint>, wanted: (key: SeriesKey) => boolean): Record<SeriesKey, MetricPoint> {
  const out: Record<SeriesKey, MetricPoint> = {};
  for (const key in points) if (wanted(key)) out[key] = points[key]!;
  return out;
}

/** Binds each realtime topic to its snapshot and to the feed of its changes. */
export function createTopicResolver({ prisma, topology, rollouts, feed, engine, loadgen }: TopicDeps): TopicResolver {
  const fixed: { [T in FixedTopic]: TopicSource<T> } = {
    topology: {
      snapshot: async () => ({ services: await topology.listServices(), dependencies: await topology.listDependencies() }),
      subscribe: (push) => feed.subscribe((change) => change.type === "topology" && push(change.delta)),
    },
    events: {
      snapshot: () => listEvents(prisma, { limit: 100 }),
      subscribe: (push) => feed.subscribe((change) => change.type === "event" && push(change.event)),
    },
    rollouts: {
      snapshot: () => rollouts.latest(),
      subscribe: (push) => feed.subscribe((change) => change.type === "rollout" && push(change.rollout)),
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
    metrics: {
      snapshot: async () => {
        const keys = [...(await topology.listServices()).map((s) => `service:${s.id}`), ...(await topology.listDependencies()).map((d) => `edge:${d.id}`)];
        const { series } = engine.metrics.series(keys, "5m");
        const since = Date.now() - SPARKLINE_MS;
        return { at: Date.now(), series: Object.fromEntries(Object.entries(series).map(([k, points]) => [k, points.filter((p) => p.at >= since)])) };
      },
      subscribe: (push) => engine.metrics.subscribe((tick) => push({ at: tick.at, points: pick(tick.points, (k) => k.startsWith("service:") || k.startsWith("edge:")) })),
    },
    loadgen: {
      snapshot: async () => loadgen.list(),
      subscribe: (push) => loadgen.subscribe(push),
    },
  };

  /** One service, its instances (as they come and go) and its edges either way. */
  function serviceMetrics(serviceId: string): TopicSource<`metrics:${string}`> {
    const edgesOf = async () => (await topology.listDependencies()).filter((d) => d.fromId === serviceId || d.toId === serviceId).map((d) => `edge:${d.id}`);
    return {
      snapshot: async () => engine.metrics.series([`service:${serviceId}`, ...engine.instances(serviceId).map((i) => `instance:${i.id}`), ...(await edgesOf())], "15m"),
      subscribe: (push) => {
        let edges = new Set<string>();
        const refresh = () => void edgesOf().then((keys) => (edges = new Set(keys)), () => {});
        refresh();
        const stopFeed = feed.subscribe((change) => change.type === "topology" && change.delta.kind.startsWith("dependency.") && refresh());
        const stopTicks = engine.metrics.subscribe((tick) => {
          const instances = new Set(engine.instances(serviceId).map((i) => `instance:${i.id}`));
          const delta: MetricsDelta = { at: tick.at, points: pick(tick.points, (k) => k === `service:${serviceId}` || instances.has(k) || edges.has(k)) };
          push(delta);
        });
        return () => {
          stopFeed();
          stopTicks();
        };
      },
    };
  }

  function instanceLogs(instanceId: string): TopicSource<`logs:${string}`> {
    return {
      snapshot: () => engine.readLogs(instanceId, { tail: 200 }),
      subscribe: (push) => engine.onLogLines((id, lines) => id === instanceId && push(lines)),
    };
  }

  return (topic: TopicName) => {
    if (topic.startsWith("metrics:")) return serviceMetrics(topic.slice("metrics:".length)) as TopicSource;
    if (topic.startsWith("logs:")) return instanceLogs(topic.slice("logs:".length)) as TopicSource;
    return fixed[topic as FixedTopic] as TopicSource | undefined;
  };
}
