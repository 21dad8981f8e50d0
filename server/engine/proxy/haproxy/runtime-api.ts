import net from "node:net";

const COMMAND_MS = 5000;

/**
 * Sends one command to an HAProxy CLI socket (a worker's runtime API, or the master's) and
 * resolves with its whole answer. One connection per command: in HAProxy's non-interactive mode
 * the socket closes after answering, which is what marks the answer's end.
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = COMMAND_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`HAProxy did not answer "${command}" on ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => socket.end(`${command}\n`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

/** Runtime API answers that report a failure (the API answers failures as text, never with a status). */
const failure = /^(No such|Unknown|Require|Invalid|Only|Already|Can't|Server still|.*not found|.*cannot|.*failed|.*is not|.*must be|.*not supported)/im;

/** Like runtimeCommand, but an answer reporting a failure rejects with it. */
export async function runtimeAction(socketPath: string, command: string): Promise<string> {
  const answer = await runtimeCommand(socketPath, command);
  if (failure.test(answer.trim())) throw new Error(`HAProxy refused "${command}": ${answer.trim()}`);
  return answer;
}
