import { activeStatuses, type Rollout } from "../../contracts/rollout";
import type { Service } from "../../contracts/service";
import { resolveService } from "../api";
import type { CliContext } from "../context";
import { CliError, ExitCode, notFoundError } from "../exit-codes";

const describe = (r: Rollout) => `revision ${r.fromRevision} -> ${r.toRevision}`;

/** One line of progress, as `rollout status` prints it on every change. */
export function progressLine(service: string, r: Rollout): string {
  switch (r.status) {
    case "progressing":
      return `${service}: rolling out ${describe(r)}: ${r.updated} of ${r.replicas} updated, ${r.remaining} old remaining`;
    case "paused":
      return `${service}: rollout ${describe(r)} paused at ${r.updated} of ${r.replicas} updated (gantry rollout resume ${service})`;
    case "succeeded":
      return `${service}: rollout ${describe(r)} succeeded`;
    default:
      return `${service}: rollout ${describe(r)} ${r.status}${r.message ? `: ${r.message}` : ""}`;
  }
}

/** The exit a finished rollout means for scripts: success, or failure for failed and aborted. */
const finished = (r: Rollout): "ok" | "failed" | undefined =>
  activeStatuses.includes(r.status) || r.status === "superseded" ? undefined : r.status === "succeeded" ? "ok" : "failed";

async function newest(cli: CliContext, service: Service): Promise<Rollout | undefined> {
  const [latest] = await cli.api.rollouts.list.query({ serviceId: service.id });
  return latest;
}

/**
 * Prints the service's newest rollout; while it runs, a line for each step, until it ends (a rollout
 * that supersedes it is followed in turn). Exits 5 if it failed or was aborted.
 */
export async function rolloutStatus(cli: CliContext, serviceName: string, options: { watch: boolean }): Promise<void> {
  const service = await resolveService(cli.api, serviceName);
  const latest = await newest(cli, service);
  if (!latest) return cli.out(`${service.name}: no rollouts yet (revision ${service.revision})\n`);
  cli.out(`${progressLine(service.name, latest)}\n`);
  const outcome = finished(latest);
  if (outcome) return settle(latest, outcome);
  if (!options.watch) return;

  const realtime = cli.realtime();
  let shown = progressLine(service.name, latest);
  let current = latest;
  const done = new Promise<Rollout>((resolve) => {
    const consider = (r: Rollout) => {
      if (r.serviceId !== service.id || (r.id !== current.id && Date.parse(r.startedAt) < Date.parse(current.startedAt))) return;
      current = r;
      const line = progressLine(service.name, r);
      if (line !== shown) cli.out(`${line}\n`);
      shown = line;
      if (finished(r)) resolve(r);
    };
    realtime.subscribe("rollouts", { snapshot: (rollouts) => rollouts.forEach(consider), delta: consider });
  });
  const last = await Promise.race([done, realtime.failed]);
  return settle(last, finished(last)!);
}

function settle(r: Rollout, outcome: "ok" | "failed"): void {
  if (outcome === "failed") throw new CliError(ExitCode.rolloutFailed, `rollout ${describe(r)} ${r.status}${r.message ? `: ${r.message}` : ""}`);
}

export async function rolloutPause(cli: CliContext, serviceName: string, action: "pause" | "resume"): Promise<void> {
  const service = await resolveService(cli.api, serviceName);
  const rollout = await cli.api.rollouts[action].mutate({ serviceId: service.id });
  cli.out(`${service.name}: rollout ${describe(rollout)} ${action === "pause" ? "paused" : "resumed"}\n`);
}

/**
 * Rolls back to the revision the current one was rolled out from (as `kubectl rollout undo`), or to
 * `--to-revision`. Doesn't wait; `gantry rollout status` does.
 */
export async function rolloutUndo(cli: CliContext, serviceName: string, options: { toRevision?: number }): Promise<void> {
  const service = await resolveService(cli.api, serviceName);
  const revision = options.toRevision ?? (await previousRevision(cli, service));
  const rollout = await cli.api.rollouts.rollback.mutate({ serviceId: service.id, revision });
  cli.out(`${service.name}: rolling back, ${describe(rollout)}\n`);
}

async function previousRevision(cli: CliContext, service: Service): Promise<number> {
  const latest = await newest(cli, service);
  if (latest && latest.toRevision === service.revision && latest.fromRevision !== service.revision) return latest.fromRevision;
  const older = (await cli.api.rollouts.revisions.query({ serviceId: service.id })).map((r) => r.number).filter((n) => n < service.revision);
  if (older.length === 0) throw notFoundError(`${service.name} has no revision before ${service.revision} to go back to`);
  return Math.max(...older);
}
