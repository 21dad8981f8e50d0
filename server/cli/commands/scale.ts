import { resolveServices } from "../api";
import { parseScaleArgs } from "../arguments";
import type { CliContext } from "../context";

/** `scale api=3 web=2`: every name is checked before anything is scaled. */
export async function scale(cli: CliContext, args: readonly string[]): Promise<void> {
  const requests = parseScaleArgs(args);
  const services = await resolveServices(cli.api, requests.map((r) => r.service));
  for (const [index, request] of requests.entries()) {
    const service = services[index]!;
    await cli.api.services.scale.mutate({ id: service.id, replicas: request.replicas });
    cli.out(`${service.name} scaled to ${request.replicas} (was ${service.replicas})\n`);
  }
}
