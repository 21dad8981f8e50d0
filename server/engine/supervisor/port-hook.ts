import type { InstanceHook } from "./instance-hooks";
import type { PortAllocator } from "./port-allocator";

/** Gives each instance its own PORT for its whole life (restarts keep it); adopted ones keep theirs. */
export function portHook(ports: PortAllocator): InstanceHook {
  return {
    name: "port",
    async prepare(instance) {
      if (instance.port !== null) ports.claim(instance.port);
      else instance.port = await ports.allocate();
    },
    cleanup(instance) {
      if (instance.port !== null) ports.release(instance.port);
    },
  };
}
