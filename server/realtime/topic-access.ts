import { may, type Identity } from "../access/identity";
import type { Role } from "../contracts/access";
import type { Engine } from "../engine";
import type { Topology } from "../services/topology";

/** Every topic needs a viewer; an instance's log needs GANTRY_LOG_ROLE, globally or through a grant on its service. */
export function topicAccess(logRole: Role, engine: Engine, topology: Topology) {
  return (identity: Identity, topic: string): boolean | Promise<boolean> => {
    if (!topic.startsWith("logs:")) return may(identity, "viewer");
    if (may(identity, logRole)) return true;
    const instance = engine.instances().find((i) => i.id === topic.slice("logs:".length));
    if (!instance) return false;
    return topology.getService(instance.serviceId).then((service) => may(identity, logRole, service.labels), () => false);
  };
}
