import { setMaxListeners } from "node:events";
import { constants } from "node:os";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { dockerClient } from "./docker-client";
import type { Logger } from "../../lib/logger";
import type { ExitStatus } from "../types";
import { containerOptions, labels } from "./docker-container";
import { ImageStore } from "./docker-image";
import { followLogs, lastWritten } from "./docker-logs";
import { ContainerSampler } from "./docker-stats";
import { SpawnError, type AdoptSpec, type ExecResult, type RuntimeDetails, type RuntimeDriver, type RuntimeHandle } from "./runtime-driver";

const MAX_EXEC_OUTPUT = 1024;
const LOGS_DRAIN_MS = 2_000;

type DockerDetails = Extract<RuntimeDetails, { kind: "docker" }>;
type DockerHandle = RuntimeHandle & { details: DockerDetails };

export type DockerDriverOptions = {
  /** This installation's id: the containers it labels with it are the only ones it adopts or sweeps. */
  owner: string;
  log: Logger;
  /** The daemon's socket; by default DOCKER_HOST's, else /var/run/docker.sock. */
  socketPath?: string;
};

const isNotFound = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;
const ignoreNotFound = (err: unknown) => {
  if (!isNotFound(err)) throw err;
};
/** Removing a container that is gone, or already being removed, is done. */
const remove = (container: Docker.Container) =>
  container.remove({ force: true }).catch((err: unknown) => {
    if (!isNotFound(err) && (err as { statusCode?: number }).statusCode !== 409) throw err;
  });

/** Exit codes above 128 are how a container reports the signal that ended it; named as a process's are. */
function exitStatus(code: number, oomKilled: boolean): ExitStatus {
  const signal = code > 128 ? (Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined) : undefined;
  return { code: signal ? null : code, signal: signal ?? null, reason: oomKilled ? "OOMKilled" : undefined };
}

/**
 * Docker containers on one daemon, through its API. Restarts stay Gantry's (the container's own
 * policy is off); the kernel enforces memory and CPU limits through the container's cgroup; a
 * container is removed once it has exited and its logs are read, and adopted after a Gantry crash
 * by its labels.
 */
export function createDockerDriver(options: DockerDriverOptions): RuntimeDriver {
  const docker = dockerClient(options.socketPath ? { socketPath: options.socketPath } : undefined);
  const daemon = options.socketPath ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  const images = new ImageStore(docker);
  const closing = new AbortController();
  // Every container's wait and log stream listen on it (each removes its listener when it ends).
  setMaxListeners(0, closing.signal);
  const sampler = new ContainerSampler(docker, options.log);

  /** Errors talking to the daemon, said as what an operator can act on. */
  const unreachable = (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" ? new SpawnError(`cannot reach the Docker daemon at ${daemon}: ${(err as Error).message}`) : (err as Error);
  };

  /** Follows a running container until it ends: its logs into the files, then its exit, then it is removed. */
  function watch(container: Docker.Container, details: DockerDetails, spec: AdoptSpec, since: number): DockerHandle {
    const logs = followLogs(container, spec, since, closing.signal).catch((err: unknown) => {
      if (!closing.signal.aborted) options.log.warn({ err, instance: spec.instanceId }, "following a container's logs failed");
    });
    const exited = (async (): Promise<ExitStatus> => {
      await waitNotRunning(container);
      await Promise.race([logs, new Promise((resolve) => setTimeout(resolve, LOGS_DRAIN_MS))]);
      sampler.forget(details.containerId);
      // Removed by someone else (`docker rm -f`): ended, how is not known.
      const state = (await container.inspect().catch(ignoreNotFound))?.State;
      if (!state) return { code: null, signal: null };
      await remove(container);
      return exitStatus(state.ExitCode, state.OOMKilled);
    })();
    return {
      details,
      host: "127.0.0.1",
      exited: exited.catch((err: unknown) => {
        // Gantry is stopping: the container keeps running for the next one to adopt.
        if (closing.signal.aborted) return new Promise<never>(() => {});
        throw err;
      }),
      signal: (signal) => {
        container.kill({ signal }).catch((err: unknown) => {
          if (!isNotFound(err) && (err as { statusCode?: number }).statusCode !== 409) options.log.warn({ err, instance: spec.instanceId, signal }, "signalling a container failed");
        });
      },
      exec: (command, env, timeoutMs) => execIn(container, command, env, timeoutMs),
    };
  }

  /** The daemon's wait, long-polled; if that connection drops (a daemon restart), asked again. */
  async function waitNotRunning(container: Docker.Container): Promise<void> {
    for (;;) {
      try {
        await container.wait({ condition: "not-running", abortSignal: closing.signal });
        return;
      } catch (err) {
        if (closing.signal.aborted || isNotFound(err)) throw err;
        options.log.warn({ err, container: container.id }, "waiting on a container failed; asking again");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  return {
    name: "docker",
    capabilities: { adopt: true, memoryLimit: "enforced", cpuLimit: true, execInside: true, replicas: "gantry" },

    async start(spec) {
      const image = spec.template.image;
      if (!image) throw new SpawnError("a docker service needs an image");
      let created: Docker.Container | undefined;
      try {
        const digest = await images.ensure(image, spec.progress);
        created = await docker.createContainer(containerOptions(spec, options.owner, image));
        await created.start();
        return watch(created, { kind: "docker", containerId: created.id, image, digest }, spec, 0);
      } catch (err) {
        if (created) await remove(created).catch(() => {});
        if (err instanceof SpawnError) throw err;
        const failed = unreachable(err);
        throw failed instanceof SpawnError ? failed : new SpawnError(`cannot start a container of ${image}: ${daemonMessage(failed)}`);
      }
    },

    async adopt(details, spec) {
      if (details.kind !== "docker") return undefined;
      const container = docker.getContainer(details.containerId);
      const found = await container.inspect().catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw unreachable(err);
      });
      if (!found || found.Config.Labels?.[labels.owner] !== options.owner) return undefined;
      if (!found.State.Running) {
        // It ended while no Gantry watched: gone the way a dead process is.
        await remove(container);
        return undefined;
      }
      return watch(container, details, spec, lastWritten(spec.stdoutPath));
    },

    async sample(handles, now) {
      const ids = new Map(handles.flatMap((handle) => (handle.details.kind === "docker" ? [[handle.details.containerId, handle] as const] : [])));
      const usage = await sampler.sample([...ids.keys()], now);
      return new Map([...usage].map(([id, sample]) => [ids.get(id)!, sample]));
    },

    async sweep(known) {
      const mine = await docker.listContainers({ all: true, filters: { label: [`${labels.owner}=${options.owner}`] } });
      for (const found of mine) {
        const instance = found.Labels[labels.instance];
        if (instance && known.has(instance)) continue;
        options.log.info({ container: found.Id, instance }, "removing a container no instance owns");
        await remove(docker.getContainer(found.Id));
      }
    },

    async close() {
      closing.abort();
    },
  };
}

/** What the daemon said, without dockerode's "(HTTP code 404) no such image -" prefix. */
export function daemonMessage(err: Error): string {
  const json = (err as { json?: { message?: string } }).json;
  return json?.message ?? err.message.replace(/^\(HTTP code \d+\)[^-]*- /, "");
}

/** `docker exec`: the command inside the container with its output (clipped) and exit code, or code null when it overran. */
async function execIn(container: Docker.Container, command: string[], env: Record<string, string>, timeoutMs: number): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: command, Env: Object.entries(env).map(([k, v]) => `${k}=${v}`), AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  let output = "";
  const collect = new PassThrough();
  collect.on("data", (chunk: Buffer) => {
    if (output.length < MAX_EXEC_OUTPUT) output += chunk.toString("utf8");
  });
  container.modem.demuxStream(stream, collect, collect);
  const finished = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", done);
  });
  // The daemon has no way to stop an exec; an overrun is abandoned (its connection closed).
  if (!finished) {
    stream.destroy();
    return { code: null, output: output.trim() };
  }
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? null, output: output.trim() };
}
