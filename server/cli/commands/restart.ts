import { resolveService } from "../api";
import type { CliContext } from "../context";
import { CliError, classify } from "../exit-codes";

/** Restarts every running instance of a service, one after another, through `instances.restart`. */
export async function restart(cli: CliContext, serviceName: string): Promise<void> {
  const service = await resolveService(cli.api, serviceName);
  const instances = (await cli.api.instances.list.query({ serviceId: service.id })).filter((i) => i.phase !== "Stopped" && i.phase !== "Failed" && i.phase !== "Stopping");
  if (instances.length === 0) return cli.note(`${service.name} has no running instances to restart`);
  const failures: CliError[] = [];
  for (const instance of instances) {
    try {
      await cli.api.instances.restart.mutate({ id: instance.id });
      cli.out(`restarted ${instance.id}\n`);
    } catch (err) {
      const failure = classify(err, cli.server());
      cli.note(`${instance.id}: ${failure.message}`);
      failures.push(failure);
    }
  }
  if (failures.length > 0) throw new CliError(failures[0]!.exitCode, `${failures.length} of ${instances.length} instances of ${service.name} were not restarted`);
}
