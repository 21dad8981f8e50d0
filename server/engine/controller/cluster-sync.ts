import type { ClusterRolloutStatus } from "../../contracts/rollout";
import type { Logger } from "../../lib/logger";
import { ClusterRefusal, type ClusterScheduler } from "../drivers/runtime-driver";
import type { EngineStore } from "../engine-store";
import { instanceEnv } from "../supervisor/instance-env";
import type { Supervisor } from "../supervisor/supervisor";
import type { DesiredService, EngineEvent } from "../types";

/**
 * One service on a cluster scheduler (Swarm): instead of planning instances, hands the cluster the
 * whole service, then mirrors the cluster's tasks as instances: a task the cluster wants running
 * gets an instance that follows it; one the cluster is shutting down is drained; one gone ends its
 * instance. An update the cluster paused or rolled back fails the rollout with the cluster's words.
 */
export class ClusterSync {
  /** What was last refused per service (and revision), so a refusal is one event, not one per sync. */
  private readonly refused = new Map<string, string>();
  /** What was last recorded of each service's rollout's cluster status, so an unchanged one isn't written again. */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly options: { store: EngineStore; supervisor: Supervisor; log: Logger; event(event: EngineEvent): void },
  ) {}

  async sync(serviceId: string, desired: DesiredService | undefined, cluster: ClusterScheduler): Promise<void> {
    const { store, supervisor } = this.options;
    if (!desired || desired.deleting) {
      this.reported.delete(serviceId);
      await cluster.remove(serviceId);
      await this.follow(serviceId, desired, cluster);
      if (desired && supervisor.instancesOf(serviceId).length === 0 && !(await cluster.tasks(serviceId)).exists) await store.finalizeDeletion(serviceId);
      return;
    }
    try {
      const update = await cluster.apply({
        id: desired.id,
        name: desired.name,
        revision: desired.revision,
        replicas: desired.replicas,
        template: desired.template,
        strategy: desired.strategy,
        env: clusterEnv(desired),
      });
      this.refused.delete(serviceId);
      const rollout = desired.rollout;
      if (rollout?.status === "progressing" && update.status && update.revision === desired.revision) await this.report(serviceId, rollout.id, update.status);
      if (rollout?.status === "progressing" && update.revision === desired.revision && (update.state === "paused" || update.state === "rolled-back")) {
        const what = update.state === "paused" ? "paused the update" : "rolled the update back";
        await store.rolloutStalled(rollout.id, `Swarm ${what}${update.message ? `: ${update.message}` : ""}`);
      }
    } catch (err) {
      if (!(err instanceof ClusterRefusal)) throw err;
      const key = `${desired.revision}/${desired.replicas}: ${err.message}`;
      if (this.refused.get(serviceId) !== key) {
        this.refused.set(serviceId, key);
        this.options.event({ kind: "service.refused", message: `Swarm can't run ${desired.name} revision ${desired.revision} as asked: ${err.message}`, serviceId, serviceName: desired.name });
      }
    }
    await this.follow(serviceId, desired, cluster);
  }

  /** Records Swarm's own view of a rollout's update when it changed (the progress bar shows it). */
  private async report(serviceId: string, rolloutId: string, status: ClusterRolloutStatus): Promise<void> {
    const key = `${rolloutId} ${JSON.stringify(status)}`;
    if (this.reported.get(serviceId) === key) return;
    await this.options.store.rolloutClusterStatus(rolloutId, status);
    this.reported.set(serviceId, key);
  }

  /** Instances for the cluster's tasks: new ones followed, ones being shut down drained, gone ones ended. */
  private async follow(serviceId: string, desired: DesiredService | undefined, cluster: ClusterScheduler): Promise<void> {
    const { supervisor } = this.options;
    const { tasks } = await cluster.tasks(serviceId);
    const listed = new Set(tasks.map((t) => t.instanceId));
    for (const task of tasks) {
      const instance = supervisor.get(task.instanceId);
      if (!instance) {
        if (task.wanted && desired) supervisor.follow({ id: desired.id, name: desired.name, revision: task.revision, template: desired.template }, task);
        continue;
      }
      supervisor.observeTask(task);
      if (!task.wanted && !instance.leaving) void supervisor.stop(instance.id, "Swarm is shutting its task down");
    }
    for (const instance of supervisor.instancesOf(serviceId)) {
      if (!listed.has(instance.id) && !instance.leaving) void supervisor.stop(instance.id, "Swarm no longer runs its task");
    }
  }
}

/** What every task gets: the service's env and links, as a process would (PORT and the instance id are the cluster's, per task). */
function clusterEnv(desired: DesiredService): Record<string, string> {
  const { GANTRY_INSTANCE: _perTask, ...env } = instanceEnv({ id: "", serviceName: desired.name, template: desired.template, port: null });
  return env;
}
