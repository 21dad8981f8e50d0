import type { IntegrationStatus } from "../../contracts/integrations";
import type { Clock } from "../../lib/clock";

/** A discovery integration the engine starts and stops with itself, and whose state it reports. */
export interface Integration {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  status(): IntegrationStatus;
}

/** Bookkeeping every integration does the same way: connected or failing, last activity, last error. */
export class IntegrationHealth {
  private state: IntegrationStatus["state"] = "connecting";
  private lastActivity: number | null = null;
  private lastError: { message: string; at: number } | null = null;

  constructor(
    private readonly kind: IntegrationStatus["kind"],
    private readonly target: string,
    private readonly clock: Clock,
  ) {}

  succeeded(): void {
    this.state = "connected";
    this.lastActivity = this.clock.now();
  }

  failed(err: unknown): void {
    this.state = "failing";
    this.lastError = { message: describe(err), at: this.clock.now() };
  }

  status(detail: string): IntegrationStatus {
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      kind: this.kind,
      target: this.target,
      state: this.state,
      detail,
      lastActivityAt: this.lastActivity === null ? null : iso(this.lastActivity),
      lastError: this.lastError && { message: this.lastError.message, at: iso(this.lastError.at) },
    };
  }
}

/** An error with its cause, which is where fetch keeps what went wrong ("fetch failed: connect ECONNREFUSED …"). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}
