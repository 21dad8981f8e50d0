import { createApi, type Api } from "./api";
import { configPath, readConfig, resolveCredentials, resolveUrl, type Credentials } from "./credentials";
import { connectRealtime, type Realtime } from "./realtime";

/** Environment variables as the CLI reads them (Next.js narrows NodeJS.ProcessEnv to require NODE_ENV). */
export type Environment = Record<string, string | undefined>;

export type Output = { write(text: string): unknown; isTTY?: boolean };
export type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** What the CLI reads and writes; tests pass their own. */
export type CliIo = { stdout: Output; stderr: Output; stdin: Input; env: Environment; now(): number };

/**
 * One invocation's connections, opened only when a command needs them (`completion` and `--help`
 * need none, and `login` none but its own).
 */
export class CliContext {
  private connection: { credentials: Credentials; api: Api } | undefined;
  private socket: Realtime | undefined;
  readonly configFile: string;

  constructor(readonly io: CliIo) {
    this.configFile = configPath(io.env);
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Progress and confirmations that scripts reading stdout shouldn't have to skip. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Where commands go, for error messages (none if even that can't be worked out). */
  server(): string | undefined {
    try {
      return this.connection?.credentials.url ?? resolveUrl(this.io.env, readConfig(this.configFile));
    } catch {
      return undefined;
    }
  }

  connect(): { credentials: Credentials; api: Api } {
    if (!this.connection) {
      const credentials = resolveCredentials(this.io.env, readConfig(this.configFile));
      this.connection = { credentials, api: createApi(credentials) };
    }
    return this.connection;
  }

  get api(): Api {
    return this.connect().api;
  }

  realtime(): Realtime {
    this.socket ??= connectRealtime(this.connect().credentials);
    return this.socket;
  }

  close(): void {
    this.socket?.close();
  }
}
