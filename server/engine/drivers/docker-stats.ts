import type Docker from "dockerode";
import type { ContainerStats } from "dockerode";
import type { Logger } from "../../lib/logger";
import type { Usage } from "./runtime-driver";

/** CPU nanoseconds a container had used at a moment, to turn the next reading into a rate. */
export type CpuReading = { totalNs: number; at: number };

/**
 * Usage from one reading of the daemon's stats, the way `docker stats` counts memory: the cgroup's
 * usage less its inactive page cache.
 */
export function usageFromStats(stats: ContainerStats, previous: CpuReading | undefined, now: number): { usage: Usage; reading: CpuReading } {
  const totalNs = stats.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const reading = { totalNs, at: now };
  const elapsedNs = previous ? (now - previous.at) * 1e6 : 0;
  const cpuPercent = previous && elapsedNs > 0 ? Math.max(0, ((totalNs - previous.totalNs) / elapsedNs) * 100) : 0;
  const memory: Partial<ContainerStats["memory_stats"]> = stats.memory_stats ?? {};
  // v1 reports its own total_inactive_file beside an inactive_file of the cgroup alone.
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const memoryBytes = Math.max(0, (memory.usage ?? 0) - inactive);
  return { usage: { cpuPercent, cpuSeconds: totalNs / 1e9, memoryBytes }, reading };
}

/**
 * Samples containers on one daemon: one-shot stats of each, turned into usage against the reading
 * before (kept in `readings`). A container the daemon no longer has is left out.
 */
export class ContainerSampler {
  private readonly readings = new Map<string, CpuReading>();

  constructor(
    private readonly docker: Docker,
    private readonly log: Logger,
  ) {}

  async sample(containerIds: string[], now: number): Promise<Map<string, Usage>> {
    const usage = new Map<string, Usage>();
    await Promise.all(
      containerIds.map(async (containerId) => {
        try {
          const stats = await this.docker.getContainer(containerId).stats({ stream: false, "one-shot": true } as { stream: false });
          const { usage: sample, reading } = usageFromStats(stats, this.readings.get(containerId), now);
          this.readings.set(containerId, reading);
          usage.set(containerId, sample);
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode !== 404) this.log.warn({ err, container: containerId }, "reading a container's stats failed");
        }
      }),
    );
    return usage;
  }

  /** Its readings are no longer needed (it ended). */
  forget(containerId: string): void {
    this.readings.delete(containerId);
  }
}
