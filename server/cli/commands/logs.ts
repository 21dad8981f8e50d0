import type { Instance } from "../../contracts/instance";
import { resolveService } from "../api";
import type { CliContext } from "../context";
import { LogMerger, useColour } from "../log-merger";

export type LogsOptions = { follow: boolean; tail: number };

/** How long a line waits for lines of other instances stamped before it. */
const REORDER_WINDOW_MS = 300;
const FLUSH_EVERY_MS = 100;

/**
 * A service's logs, all instances interleaved by time, each line prefixed with its instance. With
 * `follow`, each instance's `logs:<id>` stream is merged as it comes, and instances that start
 * meanwhile (scaling, rollouts, restarts) join the stream.
 */
export async function logs(cli: CliContext, serviceName: string, options: LogsOptions): Promise<void> {
  const service = await resolveService(cli.api, serviceName);
  const merger = new LogMerger({ windowMs: REORDER_WINDOW_MS, colour: useColour(cli.io.stdout, cli.io.env) });
  const print = (lines: string[]) => lines.length > 0 && cli.out(lines.map((l) => `${l}\n`).join(""));

  if (!options.follow) {
    const instances = await cli.api.instances.list.query({ serviceId: service.id });
    const tails = await Promise.all(instances.map(async (i) => ({ id: i.id, lines: await cli.api.logs.search.query({ instanceId: i.id, tail: options.tail }) })));
    for (const { id, lines } of tails) merger.add(id, lines, 0);
    return void print(merger.flush(0, true));
  }

  const realtime = cli.realtime();
  const followed = new Set<string>();
  const follow = (instance: Instance) => {
    if (instance.serviceId !== service.id || followed.has(instance.id)) return;
    followed.add(instance.id);
    merger.addInstance(instance.id);
    realtime.subscribe(`logs:${instance.id}`, {
      // The first snapshot is the instance's recent past, cut to --tail; one after a reconnect only adds what was missed.
      snapshot: (lines) => merger.add(instance.id, lines.slice(-options.tail), cli.io.now()),
      delta: (lines) => merger.add(instance.id, lines, cli.io.now()),
    });
  };
  realtime.subscribe("instances", {
    snapshot: (instances) => instances.forEach(follow),
    delta: (delta) => delta.kind === "instance.upserted" && follow(delta.instance),
  });
  const timer = setInterval(() => print(merger.flush(cli.io.now())), FLUSH_EVERY_MS);
  try {
    await realtime.failed;
  } finally {
    clearInterval(timer);
    print(merger.flush(cli.io.now(), true));
  }
}
