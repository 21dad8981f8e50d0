import type { DataPlanePort } from "../traffic-controller";
import type { DataPlaneConfig, DataPlaneStats } from "../types";

/** A data plane for unit tests of the engine: keeps the configurations it is sent, drains at once. */
export class RecordingDataPlane implements DataPlanePort {
  readonly configs: DataPlaneConfig[] = [];
  readonly drained: string[] = [];

  get latest(): DataPlaneConfig | undefined {
    return this.configs.at(-1);
  }

  async start(): Promise<void> {}

  onListener(): () => void {
    return () => {};
  }

  configure(config: DataPlaneConfig): void {
    this.configs.push(config);
  }

  async drain(instanceId: string): Promise<void> {
    this.drained.push(instanceId);
  }

  async stats(): Promise<DataPlaneStats> {
    return { listeners: [], services: [], endpoints: [] };
  }

  async stop(): Promise<void> {}
}
