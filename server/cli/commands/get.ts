import type { GantryEvent } from "../../contracts/event";
import type { Instance } from "../../contracts/instance";
import type { Rollout } from "../../contracts/rollout";
import type { Service } from "../../contracts/service";
import { resolveService } from "../api";
import type { ResourceKind } from "../arguments";
import type { CliContext } from "../context";
import { eventsView, instancesView, renderList, renderTable, renderWatched, rolloutsView, servicesView, sortInstances, type OutputFormat, type View } from "../output";

export type GetOptions = { output: OutputFormat; watch: boolean; limit: number };

export async function get(cli: CliContext, kind: ResourceKind, serviceName: string | undefined, options: GetOptions): Promise<void> {
  const service = serviceName ? await resolveService(cli.api, serviceName) : undefined;
  if (options.watch) return watch(cli, kind, service, options.output);
  const now = cli.io.now();
  switch (kind) {
    case "services": {
      const [services, instances] = await Promise.all([cli.api.services.list.query(), cli.api.instances.list.query({})]);
      return cli.out(renderList(options.output, service ? services.filter((s) => s.id === service.id) : services, servicesView(instances), now));
    }
    case "instances":
      return cli.out(renderList(options.output, sortInstances(await cli.api.instances.list.query({ serviceId: service?.id })), instancesView, now));
    case "events": {
      // The API answers newest first; a terminal reads oldest first, the newest beside the prompt.
      const events = await cli.api.events.list.query({ serviceId: service?.id, limit: options.limit });
      return cli.out(renderList(options.output, events.reverse(), eventsView, now));
    }
    case "rollouts": {
      const services = service ? [service] : await cli.api.services.list.query();
      const lists = await Promise.all(services.filter((s) => !s.external).map((s) => cli.api.rollouts.list.query({ serviceId: s.id })));
      const rollouts = lists.flat().sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
      return cli.out(renderList(options.output, rollouts.slice(-options.limit), rolloutsView(nameOf(services)), now));
    }
  }
}

const nameOf = (services: readonly Pick<Service, "id" | "name">[]) => {
  const names = new Map(services.map((s) => [s.id, s.name]));
  return (id: string) => names.get(id) ?? id;
};

/**
 * Prints rows as they change: the whole list first (with the header), then each row again whenever
 * what it shows changes. Ages alone don't count as a change.
 */
function changePrinter<T>(cli: CliContext, format: OutputFormat, key: (row: T) => string) {
  const shown = new Map<string, string>();
  let started = false;
  return (rows: readonly T[], view: View<T>) => {
    const changed = rows.filter((row) => {
      const fingerprint = renderWatched(format, row, view, 0);
      if (shown.get(key(row)) === fingerprint) return false;
      shown.set(key(row), fingerprint);
      return true;
    });
    if (changed.length === 0) return;
    const now = cli.io.now();
    if (format === "table") cli.out(renderTable(changed, view, now, !started));
    else for (const row of changed) cli.out(renderWatched(format, row, view, now));
    started = true;
  };
}

/** Until interrupted: the topic's snapshot, then every change, over Gantry's WebSocket. */
async function watch(cli: CliContext, kind: ResourceKind, service: Service | undefined, format: OutputFormat): Promise<never> {
  const realtime = cli.realtime();
  const mine = (serviceId: string | null) => !service || serviceId === service.id;
  switch (kind) {
    case "services": {
      const services = new Map<string, Service>();
      const instances = new Map<string, Instance>();
      const print = changePrinter<Service>(cli, format, (s) => s.id);
      let ready = { services: false, instances: false };
      const show = () => ready.services && ready.instances && print([...services.values()].filter((s) => mine(s.id)), servicesView([...instances.values()]));
      realtime.subscribe("topology", {
        snapshot: (topology) => {
          services.clear();
          for (const s of topology.services) services.set(s.id, s);
          ready = { ...ready, services: true };
          show();
        },
        delta: (delta) => {
          if (delta.kind === "service.upserted") services.set(delta.service.id, delta.service);
          else if (delta.kind === "service.removed") services.delete(delta.id);
          show();
        },
      });
      realtime.subscribe("instances", instanceState(instances, () => {
        ready = { ...ready, instances: true };
        show();
      }));
      break;
    }
    case "instances": {
      const instances = new Map<string, Instance>();
      const print = changePrinter<Instance>(cli, format, (i) => i.id);
      realtime.subscribe("instances", instanceState(instances, () => print(sortInstances([...instances.values()].filter((i) => mine(i.serviceId))), instancesView)));
      break;
    }
    case "events": {
      const print = changePrinter<GantryEvent>(cli, format, (e) => e.id);
      realtime.subscribe("events", {
        snapshot: (events) => print([...events].reverse().filter((e) => mine(e.serviceId)), eventsView),
        delta: (event) => mine(event.serviceId) && print([event], eventsView),
      });
      break;
    }
    case "rollouts": {
      const names = nameOf(await cli.api.services.list.query());
      const print = changePrinter<Rollout>(cli, format, (r) => r.id);
      const view = rolloutsView(names);
      realtime.subscribe("rollouts", {
        snapshot: (rollouts) => print(rollouts.filter((r) => mine(r.serviceId)), view),
        delta: (rollout) => mine(rollout.serviceId) && print([rollout], view),
      });
      break;
    }
  }
  return realtime.failed;
}

/** The `instances` topic kept as a map; usage samples are ignored (they would only churn rows). */
function instanceState(instances: Map<string, Instance>, changed: () => void) {
  return {
    snapshot(all: Instance[]) {
      instances.clear();
      for (const i of all) instances.set(i.id, i);
      changed();
    },
    delta(delta: { kind: "instance.upserted"; instance: Instance } | { kind: "instance.removed"; id: string } | { kind: "usage" }) {
      if (delta.kind === "usage") return;
      if (delta.kind === "instance.upserted") instances.set(delta.instance.id, delta.instance);
      else instances.delete(delta.id);
      changed();
    },
  };
}
