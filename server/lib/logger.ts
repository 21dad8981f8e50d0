import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/** JSON lines when piped (for collectors), colourised lines in a terminal. */
export function createLogger(level: string, stream: NodeJS.WritableStream = process.stdout): Logger {
  const isTerminal = "isTTY" in stream && Boolean(stream.isTTY);
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (!isTerminal) return pino(options, stream);
  // Synchronous pretty stream: no transport worker thread to spawn or to lose lines on exit.
  return pino(options, pretty({ destination: stream, colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname", sync: true }));
}

/** A logger that drops everything, for tests of layers that require one. */
export const silentLogger: Logger = pino({ level: "silent" });
