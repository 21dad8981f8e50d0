import fs from "node:fs";
import type Docker from "dockerode";

/** What has logs to follow: a container, or a Swarm task (through its manager). */
export type LogSource = Pick<Docker.Container, "logs" | "modem">;

/**
 * Follows a container's stdout and stderr on the daemon into the instance's log files, which
 * Gantry's log pump reads as it reads a process's: one viewer, search and tail for both. `since`
 * (seconds) skips what an earlier Gantry already wrote. Resolves when the container's output ends.
 */
export async function followLogs(container: LogSource, paths: { stdoutPath: string; stderrPath: string }, since: number, signal: AbortSignal): Promise<void> {
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true, since, abortSignal: signal } as Docker.ContainerLogsOptions & { follow: true })) as NodeJS.ReadableStream;
  // What an instance prints may hold anything (tokens, customer data): for Gantry's user alone.
  const stdout = fs.createWriteStream(paths.stdoutPath, { flags: "a", mode: 0o600 });
  const stderr = fs.createWriteStream(paths.stderrPath, { flags: "a", mode: 0o600 });
  container.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  await Promise.all([stdout, stderr].map((file) => new Promise((resolve) => file.end(resolve))));
}

/** Seconds since the epoch at which a log file was last written, or 0 (everything) if it's new. */
export function lastWritten(file: string): number {
  try {
    return fs.statSync(file).mtimeMs / 1000;
  } catch {
    return 0;
  }
}
