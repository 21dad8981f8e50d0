import type Docker from "dockerode";
import { withTag } from "./docker-container";
import { SpawnError } from "./runtime-driver";

type PullEvent = { id?: string; status?: string; progressDetail?: { current?: number; total?: number }; error?: string };

const PROGRESS_EVERY_MS = 250;
/** Statuses that speak of one layer (others, like "Pulling from library/busybox", carry the tag as their id). */
const layerStatuses = new Set(["Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete", "Already exists"]);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/**
 * The daemon's images, pulled when missing (as Kubernetes' IfNotPresent: a tag already here is
 * used as it is). Instances starting from the same image at once share one pull.
 */
export class ImageStore {
  private readonly pulls = new Map<string, Promise<void>>();

  constructor(private readonly docker: Docker) {}

  /** The image present on the daemon, and the digest it stands for (its registry digest, else its id). */
  async ensure(image: string, progress: (message: string) => void): Promise<string> {
    const reference = withTag(image);
    let found = await this.inspect(reference);
    if (!found) {
      let pull = this.pulls.get(reference);
      if (!pull) {
        pull = this.pull(reference, progress).finally(() => this.pulls.delete(reference));
        this.pulls.set(reference, pull);
      }
      await pull;
      found = await this.inspect(reference);
      if (!found) throw new SpawnError(`image ${reference} is not on the daemon after pulling it`);
    }
    return found.RepoDigests?.[0] ?? found.Id;
  }

  private inspect(reference: string) {
    return this.docker
      .getImage(reference)
      .inspect()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode === 404) return undefined;
        throw err;
      });
  }

  /** Pulls with progress summed over its layers: "pulling busybox:1.36: 2 of 3 layers, 1.2 of 2.1 MB". */
  private async pull(reference: string, progress: (message: string) => void): Promise<void> {
    progress(`pulling ${reference}`);
    const layers = new Map<string, { current: number; total: number; done: boolean }>();
    let lastReport = 0;
    const report = () => {
      const now = Date.now();
      if (now - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = now;
      const all = [...layers.values()];
      const done = all.filter((l) => l.done).length;
      const current = all.reduce((sum, l) => sum + l.current, 0);
      const total = all.reduce((sum, l) => sum + l.total, 0);
      progress(`pulling ${reference}: ${done} of ${all.length} layers${total ? `, ${mb(current)} of ${mb(total)} MB` : ""}`);
    };
    try {
      const stream = await this.docker.pull(reference);
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(
          stream,
          (err: Error | null, events: PullEvent[]) => {
            const failed = err?.message ?? events.find((e) => e.error)?.error;
            if (failed) reject(new Error(failed));
            else resolve();
          },
          (event: PullEvent) => {
            if (!event.id || !event.status || !layerStatuses.has(event.status)) return;
            const layer = layers.get(event.id) ?? { current: 0, total: 0, done: false };
            if (event.status === "Downloading") Object.assign(layer, { current: event.progressDetail?.current ?? 0, total: event.progressDetail?.total ?? layer.total });
            if (event.status === "Pull complete" || event.status === "Already exists") layer.done = true;
            layers.set(event.id, layer);
            report();
          },
        ),
      );
    } catch (err) {
      throw new SpawnError(`cannot pull image ${reference}: ${(err as Error).message}`);
    }
  }
}
