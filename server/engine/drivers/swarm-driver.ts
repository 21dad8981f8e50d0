import { setMaxListeners } from "node:events";
import type Docker from "dockerode";
import { dockerClient } from "./docker-client";
import type { Logger } from "../../lib/logger";
import { Feed } from "../../lib/feed";
import type { ExitStatus } from "../types";
import { followLogs, lastWritten, type LogSource } from "./docker-logs";
import { ContainerSampler } from "./docker-stats";
import { dockerConnection } from "./swarm-connection";
import {
  ClusterRefusal,
  SpawnError,
  type AdoptSpec,
  type ClusterScheduler,
  type ClusterService,
  type ClusterTask,
  type ClusterUpdate,
  type RuntimeDetails,
  type RuntimeDriver,
  type RuntimeHandle,
} from "./runtime-driver";
import { slotPort, swarmLabels, swarmSecretsOf, swarmServiceSpec, taskInstanceId, type SwarmSecret } from "./swarm-service";

type SwarmDetails = Extract<RuntimeDetails, { kind: "swarm" }>;

export type SwarmDriverOptions = {
  /** This installation's id: the Swarm services labelled with it are the only ones it manages. */
  owner: string;
  log: Logger;
  /** The manager's API; by default GANTRY_SWARM_HOST's, else DOCKER_HOST's, else /var/run/docker.sock. */
  host?: string;
  /** Port blocks services may take (block b = ports b×100+1 … b×100+99). */
  portBlocks: { from: number; to: number };
  /** How often tasks are listed. */
  pollMs?: number;
};

/** States of a task on its way to running, or running: it is (or will be) an instance. */
const liveStates = new Set(["new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running"]);
const LOGS_DRAIN_MS = 1_000;
/** A node label giving that node's Docker API (unix:///… or tcp://…), through which Gantry samples its tasks' usage. */
const DOCKER_HOST_LABEL = "gantry.docker-host";

/** A task as one poll saw it. */
type SeenTask = ClusterTask & { serviceId: string; running: boolean; host: string; exitCode: number | null };
/** A Gantry service's Swarm service as one poll saw it. */
type SeenService = {
  swarmId: string;
  version: number;
  block: number;
  revision: number;
  previousRevision: number | null;
  update: Docker.UpdateStatus | undefined;
  replicas: number;
  /** The Swarm secrets its spec names (a rollback returns to them after the next update). */
  secrets: string[];
};

type Snapshot = { services: Map<string, SeenService>; tasks: Map<string, SeenTask>; blocks: Set<number> };

/**
 * Docker Swarm as a cluster scheduler. Gantry hands it whole services (image, command, env,
 * limits, replicas, update and rollback config); Swarm places, restarts and replaces tasks. A poll
 * of the manager lists the tasks, and each live task is a Gantry instance: `start` waits for a
 * task Swarm placed to run, and its handle ends when the task does.
 */
export function createSwarmDriver(options: SwarmDriverOptions): RuntimeDriver {
  const connection = dockerConnection(options.host);
  const docker = dockerClient(connection.options);
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);
  const changes = new Feed<string>("swarm changes", options.log);
  let snapshot: Snapshot | undefined;
  let fingerprints = new Map<string, string>();
  /** Tasks an instance waits for to run, and handles waiting for their task to end. */
  const starting = new Map<string, { resolve(task: SeenTask): void; reject(err: Error): void }>();
  const running = new Map<string, { end(status: ExitStatus): void }>();
  /** The revision this Gantry last asked Swarm for, per service: what a rollback in progress rolls away from. */
  const requested = new Map<string, number>();
  /** The latest poll (the first is started once everything below is defined). */
  let polled: Promise<void>;
  let timer: NodeJS.Timeout | undefined;
  let managerChecked: Promise<void> | undefined;
  const sampler = new ContainerSampler(docker, options.log);
  /** Samplers of other nodes' daemons, by address (from their gantry.docker-host label). */
  const remoteSamplers = new Map<string, ContainerSampler>();
  /** The node of the daemon Gantry talks to: its tasks' containers are the ones it can sample. */
  let localNodeId = "";
  const localNode = docker.info().then(
    (info: { Swarm?: { NodeID?: string } }) => (localNodeId = info.Swarm?.NodeID ?? ""),
    () => "",
  );
  /** The daemon each labelled node gave (node label gantry.docker-host), as the last poll saw. */
  let nodeDaemons = new Map<string, string>();

  /** One timer at a time: a poll asked for early (after a change Gantry made) moves the next one on. */
  const schedule = () => {
    clearTimeout(timer);
    if (!closing.signal.aborted) timer = setTimeout(() => void (polled = poll()), options.pollMs ?? 1_000);
  };
  const refresh = () => {
    clearTimeout(timer);
    polled = polled.then(poll);
  };
  let lastFailure: string | undefined;

  /** Says clearly when the daemon is unreachable or is not a swarm manager (every apply needs one). */
  function ensureManager(): Promise<void> {
    managerChecked ??= docker.info().then(
      (info: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } }) => {
        if (info.Swarm?.LocalNodeState !== "active" || !info.Swarm.ControlAvailable) {
          throw new ClusterRefusal(
            `the Docker daemon at ${connection.address} is not a swarm manager (its swarm state is ${info.Swarm?.LocalNodeState || "inactive"}): run \`docker swarm init\` there, or point GANTRY_SWARM_HOST at a manager`,
          );
        }
      },
      (err: Error) => {
        throw new ClusterRefusal(`cannot reach the Swarm manager at ${connection.address}: ${err.message}`);
      },
    );
    // A failed check is asked again next time (the daemon may come up, or be made a manager).
    managerChecked.catch(() => (managerChecked = undefined));
    return managerChecked;
  }

  async function poll(): Promise<void> {
    try {
      await ensureManager();
      const [services, tasks, nodes] = await Promise.all([
        docker.listServices({ filters: { label: [`${swarmLabels.owner}=${options.owner}`] } }),
        docker.listTasks() as Promise<SwarmTask[]>,
        docker.listNodes() as Promise<SwarmNode[]>,
      ]);
      snapshot = read(services, tasks, nodes);
      settle(snapshot);
      notify(snapshot);
      lastFailure = undefined;
    } catch (err) {
      // Said once per cause: a swarm that is down stays down for many polls.
      const message = (err as Error).message;
      if (!closing.signal.aborted && message !== lastFailure) options.log.warn({ err: message }, "listing Swarm tasks failed; trying again");
      lastFailure = message;
    } finally {
      schedule();
    }
  }

  function read(services: Docker.Service[], tasks: SwarmTask[], nodes: SwarmNode[]): Snapshot {
    const seen: Snapshot = { services: new Map(), tasks: new Map(), blocks: new Set() };
    const byswarmId = new Map<string, { serviceId: string; block: number; name: string }>();
    for (const service of services) {
      const labels = service.Spec?.Labels ?? {};
      const serviceId = labels[swarmLabels.service];
      const block = Number(labels[swarmLabels.portBlock]);
      if (!serviceId || !block) continue;
      seen.blocks.add(block);
      byswarmId.set(service.ID, { serviceId, block, name: service.Spec!.Name!.replace(/^gantry-/, "") });
      const previous = service.PreviousSpec?.Labels?.[swarmLabels.revision];
      seen.services.set(serviceId, {
        swarmId: service.ID,
        version: service.Version?.Index ?? 0,
        block,
        revision: Number(labels[swarmLabels.revision]),
        previousRevision: previous ? Number(previous) : null,
        update: service.UpdateStatus,
        replicas: service.Spec?.Mode?.Replicated?.Replicas ?? 0,
        secrets: secretNamesOf(service.Spec),
      });
    }
    const nodeOf = new Map(nodes.map((n) => [n.ID, n]));
    nodeDaemons = new Map(nodes.flatMap((n) => (n.Spec?.Labels?.[DOCKER_HOST_LABEL] ? [[n.ID, n.Spec.Labels[DOCKER_HOST_LABEL]] as const] : [])));
    for (const task of tasks) {
      const owner = byswarmId.get(task.ServiceID);
      if (!owner || !(task.DesiredState === "running" || liveStates.has(task.Status.State))) continue;
      const node = nodeOf.get(task.NodeID ?? "");
      const details: SwarmDetails = {
        kind: "swarm",
        taskId: task.ID,
        slot: task.Slot,
        nodeId: task.NodeID ?? "",
        node: node ? nodeName(node) : "",
        state: task.Status.State,
        desiredState: task.DesiredState,
        error: task.Status.Err ?? null,
        containerId: task.Status.ContainerStatus?.ContainerID || null,
        sampled: task.NodeID === localNodeId || nodeDaemons.has(task.NodeID ?? ""),
      };
      const instanceId = taskInstanceId(owner.name, task.ID);
      seen.tasks.set(instanceId, {
        instanceId,
        serviceId: owner.serviceId,
        revision: Number(task.Spec.ContainerSpec?.Labels?.[swarmLabels.revision] ?? 0),
        port: slotPort(owner.block, task.Slot),
        wanted: task.DesiredState === "running",
        details,
        running: task.Status.State === "running",
        host: node ? nodeAddress(node) : "",
        exitCode: task.Status.ContainerStatus?.ExitCode ?? null,
      });
    }
    return seen;
  }

  /** Starts waiting instances whose task now runs, fails those whose task ended first, ends handles whose task is over. */
  function settle(seen: Snapshot): void {
    for (const [instanceId, waiter] of starting) {
      const task = seen.tasks.get(instanceId);
      if (task?.running) waiter.resolve(task);
      else if (!task || !task.wanted) waiter.reject(new SpawnError(`Swarm ended the task before it ran${task?.details.kind === "swarm" && task.details.error ? `: ${task.details.error}` : ""}`));
      else continue;
      starting.delete(instanceId);
    }
    for (const [instanceId, handle] of running) {
      const task = seen.tasks.get(instanceId);
      if (task?.running) continue;
      running.delete(instanceId);
      handle.end({ code: task?.exitCode ?? null, signal: null, reason: task?.details.kind === "swarm" && task.details.error ? task.details.error : undefined });
    }
  }

  function notify(seen: Snapshot): void {
    const next = new Map<string, string>();
    for (const [serviceId, service] of seen.services) next.set(serviceId, JSON.stringify([service.revision, service.replicas, service.update?.State]));
    for (const task of seen.tasks.values()) next.set(task.serviceId, `${next.get(task.serviceId) ?? ""}|${JSON.stringify(task.details)}`);
    for (const id of new Set([...next.keys(), ...fingerprints.keys()])) if (next.get(id) !== fingerprints.get(id)) changes.publish(id);
    fingerprints = next;
  }

  /** A handle on a running task: its logs into the instance's files until it ends. */
  function follow(task: SeenTask, spec: AdoptSpec, since: number): RuntimeHandle {
    const logs = new AbortController();
    const stopLogs = () => logs.abort();
    closing.signal.addEventListener("abort", stopLogs, { once: true });
    const source = docker.getTask(task.details.kind === "swarm" ? task.details.taskId : "") as unknown as LogSource;
    const following = followLogs(source, spec, since, logs.signal).catch((err: unknown) => {
      if (!logs.signal.aborted) options.log.warn({ err, instance: spec.instanceId }, "following a Swarm task's logs failed");
    });
    const exited = new Promise<ExitStatus>((resolve) => {
      running.set(spec.instanceId, {
        end: (status) => {
          if (task.details.kind === "swarm" && task.details.containerId) for (const of of [sampler, ...remoteSamplers.values()]) of.forget(task.details.containerId);
          // What the task printed last arrives shortly after it ended.
          setTimeout(() => {
            stopLogs();
            closing.signal.removeEventListener("abort", stopLogs);
            void following.then(() => resolve(status));
          }, LOGS_DRAIN_MS);
        },
      });
    });
    return {
      details: task.details,
      host: task.host,
      exited,
      // Swarm stops and replaces its tasks itself; Gantry only drains them.
      signal: () => {},
    };
  }

  const scheduler: ClusterScheduler = {
    connect: ensureManager,
    async apply(service: ClusterService): Promise<ClusterUpdate> {
      await ensureManager();
      const existing = (await current()).services.get(service.id);
      if (existing) {
        const update = updateOf(existing, requested.get(service.id), updatedTasks(service.id, existing.revision));
        // Swarm paused or rolled back the update to this revision: it stays where Swarm left it.
        const held = update.state !== "idle" && update.state !== "updating" && update.revision === service.revision;
        if (held || (existing.revision === service.revision && existing.replicas === service.replicas)) return update;
      }
      const block = existing?.block ?? freeBlock();
      const network = await hostNetwork();
      const secrets = swarmSecretsOf(service);
      const spec = swarmServiceSpec(service, options.owner, block, network, await createSecrets(service.id, secrets));
      const names = secrets.map((s) => s.name);
      requested.set(service.id, service.revision);
      if (existing) {
        await docker.getService(existing.swarmId).update({ ...spec, version: existing.version });
        snapshot!.services.set(service.id, { ...existing, revision: service.revision, replicas: service.replicas, version: existing.version + 1, secrets: names });
      } else {
        const created = await docker.createService(spec);
        snapshot!.blocks.add(block);
        snapshot!.services.set(service.id, { swarmId: created.id, version: 0, block, revision: service.revision, previousRevision: null, update: undefined, replicas: service.replicas, secrets: names });
      }
      // The spec just replaced stays what a rollback returns to: its secrets stay too.
      await removeSecrets(service.id, new Set([...names, ...(existing?.secrets ?? [])]));
      refresh();
      return { state: existing && existing.revision !== service.revision ? "updating" : "idle", revision: service.revision, message: null, status: null };
    },

    async remove(serviceId) {
      await current();
      const existing = snapshot?.services.get(serviceId);
      if (!existing) return;
      await docker
        .getService(existing.swarmId)
        .remove()
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        });
      snapshot!.services.delete(serviceId);
      await removeSecrets(serviceId, new Set());
    },

    async tasks(serviceId) {
      await current();
      const tasks = [...(snapshot?.tasks.values() ?? [])].filter((t) => t.serviceId === serviceId);
      return { exists: snapshot?.services.has(serviceId) ?? false, tasks };
    },

    onChange: (listener) => changes.subscribe(listener),

    async nodes() {
      await ensureManager();
      const [nodes, tasks] = await Promise.all([docker.listNodes() as Promise<SwarmNode[]>, docker.listTasks({ filters: { "desired-state": ["running"] } }) as Promise<SwarmTask[]>]);
      return {
        manager: connection.address,
        nodes: nodes.map((node) => {
          const reservations = tasks.filter((t) => t.NodeID === node.ID).map((t) => t.Spec.Resources?.Reservations ?? {});
          return {
            id: node.ID,
            hostname: nodeName(node),
            address: nodeAddress(node),
            role: node.Spec?.Role === "manager" ? "manager" : "worker",
            leader: node.ManagerStatus?.Leader ?? false,
            availability: node.Spec?.Availability ?? "unknown",
            state: node.Status?.State ?? "unknown",
            cpus: (node.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
            memoryBytes: node.Description?.Resources?.MemoryBytes ?? 0,
            sampled: node.ID === localNodeId || Boolean(node.Spec?.Labels?.[DOCKER_HOST_LABEL]),
            reservedCpus: reservations.reduce((sum, r) => sum + (r.NanoCPUs ?? 0), 0) / 1e9,
            reservedMemoryBytes: reservations.reduce((sum, r) => sum + (r.MemoryBytes ?? 0), 0),
          };
        }),
      };
    },

    async setAvailability(nodeId, availability) {
      await ensureManager();
      const node = docker.getNode(nodeId);
      const current = (await node.inspect().catch((err: { statusCode?: number; message: string }) => {
        throw err.statusCode === 404 ? new ClusterRefusal(`the swarm has no node ${nodeId}`) : err;
      })) as SwarmNode & { Version: { Index: number } };
      await node.update({ ...current.Spec, Availability: availability, version: current.Version.Index });
      refresh();
      return { hostname: nodeName(current) };
    },
  };

  /**
   * Waits for the latest poll; fails while the manager can't be read, so that nothing is concluded
   * from a swarm not seen (a deleted service's Swarm service left behind as if it were gone).
   */
  async function current(): Promise<Snapshot> {
    await polled;
    if (lastFailure !== undefined || !snapshot) throw new Error(`the Swarm manager at ${connection.address} can't be read: ${lastFailure ?? "not yet polled"}`);
    return snapshot;
  }

  /** The service's Swarm secrets, made where missing: secret name → Swarm's id. */
  async function createSecrets(serviceId: string, secrets: SwarmSecret[]): Promise<Map<string, string>> {
    if (secrets.length === 0) return new Map();
    const existing = (await docker.listSecrets({ filters: { label: [`${swarmLabels.service}=${serviceId}`] } })) as Array<{ ID: string; Spec?: { Name?: string } }>;
    const ids = new Map(existing.map((s) => [s.Spec?.Name ?? "", s.ID]));
    for (const secret of secrets) {
      if (ids.has(secret.name)) continue;
      const created = (await docker.createSecret({
        Name: secret.name,
        Labels: { [swarmLabels.owner]: options.owner, [swarmLabels.service]: serviceId },
        Data: Buffer.from(secret.value).toString("base64"),
      })) as { id: string };
      ids.set(secret.name, created.id);
    }
    return ids;
  }

  /** Removes the service's Swarm secrets not in `keep`; one Swarm still holds (in use) waits for the next update. */
  async function removeSecrets(serviceId: string, keep: ReadonlySet<string>): Promise<void> {
    const owned = (await docker.listSecrets({ filters: { label: [`${swarmLabels.service}=${serviceId}`] } })) as Array<{ ID: string; Spec?: { Name?: string } }>;
    for (const secret of owned) {
      if (keep.has(secret.Spec?.Name ?? "")) continue;
      await docker
        .getSecret(secret.ID)
        .remove()
        .catch((err: Error) => options.log.info({ err: err.message, secret: secret.Spec?.Name }, "a Swarm secret no longer named could not be removed yet"));
    }
  }

  function remoteSampler(address: string): ContainerSampler {
    let remote = remoteSamplers.get(address);
    if (!remote) remoteSamplers.set(address, (remote = new ContainerSampler(dockerClient(dockerConnection(address).options), options.log)));
    return remote;
  }

  /** Tasks of a service running the given revision, as Swarm last said. */
  function updatedTasks(serviceId: string, revision: number): number {
    return [...(snapshot?.tasks.values() ?? [])].filter((t) => t.serviceId === serviceId && t.revision === revision && t.wanted && t.running).length;
  }

  /** The lowest block in range no Gantry service on this swarm holds. */
  function freeBlock(): number {
    for (let block = options.portBlocks.from; block <= options.portBlocks.to; block++) if (!snapshot?.blocks.has(block)) return block;
    throw new ClusterRefusal(`every port block of GANTRY_SWARM_PORT_RANGE is taken by a swarm service (one block of 100 ports each)`);
  }

  async function hostNetwork(): Promise<string> {
    const [host] = await docker.listNetworks({ filters: { name: ["host"], driver: ["host"] } });
    if (!host) throw new ClusterRefusal(`the Swarm manager at ${connection.address} has no host network`);
    return host.Id;
  }

  polled = poll();

  return {
    name: "swarm",
    capabilities: { adopt: true, memoryLimit: "enforced", cpuLimit: true, execInside: false, replicas: "cluster" },
    cluster: scheduler,

    async start(spec) {
      await polled;
      const task = await new Promise<SeenTask>((resolve, reject) => {
        starting.set(spec.instanceId, { resolve, reject });
        if (snapshot) settle(snapshot);
      });
      spec.progress(`running on ${task.details.kind === "swarm" ? task.details.node : "?"}`);
      return follow(task, spec, 0);
    },

    async adopt(details, spec) {
      if (details.kind !== "swarm") return undefined;
      await polled;
      const task = snapshot?.tasks.get(spec.instanceId);
      return task?.running ? follow(task, spec, lastWritten(spec.stdoutPath)) : undefined;
    },

    /**
     * Tasks on the manager's own node are sampled through its daemon, tasks on a node labelled
     * gantry.docker-host=<address> through that daemon; others aren't (their usage stays unknown, not 0).
     */
    async sample(handles, now) {
      const local = await localNode;
      const bySampler = new Map<ContainerSampler, Map<string, RuntimeHandle>>();
      for (const handle of handles) {
        const details = handle.details;
        if (details.kind !== "swarm" || !details.containerId) continue;
        const daemon = nodeDaemons.get(details.nodeId);
        const of = details.nodeId === local ? sampler : daemon ? remoteSampler(daemon) : undefined;
        if (!of) continue;
        if (!bySampler.has(of)) bySampler.set(of, new Map());
        bySampler.get(of)!.set(details.containerId, handle);
      }
      const sampled = await Promise.all([...bySampler].map(async ([of, ids]) => [...(await of.sample([...ids.keys()], now))].map(([id, usage]) => [ids.get(id)!, usage] as const)));
      return new Map(sampled.flat());
    },

    async close() {
      closing.abort();
      clearTimeout(timer);
      for (const waiter of starting.values()) waiter.reject(new SpawnError("Gantry is stopping"));
      starting.clear();
    },
  };
}

/**
 * Where Swarm's update of a service stands, in Gantry's words. A rollback (started, paused or done)
 * rolled away from the revision last asked for (Swarm shows it as the previous spec only once done).
 */
function updateOf(service: SeenService, requested: number | undefined, updatedTasks: number): ClusterUpdate {
  const state = service.update?.State;
  const message = service.update?.Message ?? null;
  const status = state ? { state, message, updatedTasks } : null;
  if (state?.startsWith("rollback")) return { state: "rolled-back", revision: service.previousRevision ?? requested ?? null, message, status };
  if (state === "updating") return { state: "updating", revision: service.revision, message, status };
  if (state === "paused") return { state: "paused", revision: service.revision, message, status };
  return { state: "idle", revision: service.revision, message, status };
}

type SwarmTask = {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot: number;
  DesiredState: string;
  Spec: { ContainerSpec?: { Labels?: Record<string, string> }; Resources?: { Reservations?: { NanoCPUs?: number; MemoryBytes?: number } } };
  Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
};
type SwarmNode = {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Addr?: string; Leader?: boolean };
};

const secretNamesOf = (spec: Docker.ServiceSpec | undefined) =>
  ((spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.Secrets ?? []).flatMap((s) => (s.SecretName ? [s.SecretName] : []));

const nodeName = (node: SwarmNode) => node.Description?.Hostname ?? node.ID.slice(0, 12);

/** Where a node's tasks are reached: its address (a manager may report 0.0.0.0 there, and its real one beside its role). */
function nodeAddress(node: SwarmNode): string {
  const addr = node.Status?.Addr;
  if (addr && addr !== "0.0.0.0") return addr;
  return node.ManagerStatus?.Addr?.replace(/:\d+$/, "") ?? "127.0.0.1";
}
