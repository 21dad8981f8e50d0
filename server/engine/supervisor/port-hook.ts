import type { InstanceHook } from "./instance-hooks";
import type { PortAllocator } from "./port-allocator";

/** Gives each instance its own PORT for its whole life (restarts keep it); adopted ones keep theirs. */
export function portHook(ports: PortAllocator): InstanceHook {
  return {
    name: "port",
    async prepare(instance) {
      if (instance.port === null) return { port: await ports.allocate() };
      ports.claim(instance.port);
    },
    cleanup(instance) {
      if (instance.port !== null) ports.release(instance.port);
    },
  };
}
