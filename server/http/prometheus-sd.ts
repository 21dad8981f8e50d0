import type { ServerResponse } from "node:http";
import type { Engine } from "../engine";
import type { Topology } from "../services/topology";

/**
 * Prometheus HTTP service discovery (`http_sd_configs`): the ready instances of every service
 * that declares a metrics path, one target group per instance.
 */
export async function prometheusTargets(topology: Topology, engine: Engine, res: ServerResponse): Promise<void> {
  const groups = [];
  for (const service of await topology.listServices()) {
    const path = service.traffic.metricsPath;
    if (!path || service.external || service.deleting) continue;
    for (const instance of engine.instances(service.id)) {
      if (instance.phase !== "Running" || !instance.ready || instance.port === null) continue;
      groups.push({
        targets: [`127.0.0.1:${instance.port}`],
        labels: { __metrics_path__: path, service: service.name, instance: instance.id, revision: String(instance.revision) },
      });
    }
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(groups));
}
