import type { AlertNotice, ReceiverKind } from "../../contracts/alerts";
import { exponentialBackoff, type BackoffOptions } from "../../lib/backoff";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import { every, type Loop } from "../../lib/loop";
import type { SecretBox } from "../../lib/secret-box";
import type { Prisma } from "../../store/database";
import { payloads } from "./payloads";

/** Posts a body; resolves with the HTTP status, rejects when nothing answered. */
export type Send = (url: string, body: object, headers: Record<string, string>) => Promise<number>;

export type NotifierOptions = {
  prisma: Prisma;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  /** Defaults to fetch with a 10 s timeout. */
  send?: Send;
  /** Delay before the next attempt after a failure: 1 s doubling to 5 min by default. */
  retry?: BackoffOptions;
  /** How often due notifications are looked for besides being woken by a new one. */
  pollMs?: number;
};

const SEND_TIMEOUT_MS = 10_000;
const DELIVERED_KEPT_MS = 24 * 3600_000;

const fetchSend: Send = async (url, body, headers) => {
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), redirect: "manual", signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
  await res.body?.cancel();
  return res.status;
};

/** The delay after the `attempts`-th failed attempt. */
export const retryDelayMs = (attempts: number, retry: BackoffOptions) => exponentialBackoff(Math.max(0, attempts - 1), retry);

/**
 * Delivers the outbox (AlertNotification rows) at least once: a row is marked delivered only after
 * its receiver answered 2xx, so a Gantry that dies mid-send sends it again after the restart, with
 * the same idempotency key. Each receiver gets its notifications in the order they were written (a
 * resolution never overtakes its firing); a failing receiver is retried with backoff and holds up
 * only its own queue.
 */
export class Notifier {
  private readonly send: Send;
  private readonly retry: BackoffOptions;
  private chain: Promise<void> = Promise.resolve();
  private loops: Loop[] = [];

  constructor(private readonly options: NotifierOptions) {
    this.send = options.send ?? fetchSend;
    this.retry = options.retry ?? { initialMs: 1000, maxMs: 5 * 60_000 };
  }

  start(): void {
    const { clock, log } = this.options;
    this.loops = [
      every(clock, this.options.pollMs ?? 1000, "alert notification delivery", log, () => this.deliver()),
      every(clock, 3600_000, "delivered notification pruning", log, async () => void (await this.options.prisma.alertNotification.deleteMany({ where: { deliveredAt: { lt: new Date(clock.now() - DELIVERED_KEPT_MS) } } }))),
    ];
  }

  async stop(): Promise<void> {
    this.loops.forEach((loop) => loop.stop());
    await this.chain;
  }

  /** New notifications were written: deliver now rather than at the next poll. */
  kick(): void {
    void this.deliver().catch((err: unknown) => this.options.log.error({ err }, "delivering alert notifications failed"));
  }

  /** One pass over every receiver's queue; passes never overlap. */
  deliver(): Promise<void> {
    this.chain = this.chain.then(() => this.pass()).catch((err: unknown) => this.options.log.error({ err }, "delivering alert notifications failed"));
    return this.chain;
  }

  private async pass(): Promise<void> {
    const { prisma, clock } = this.options;
    const heads = await prisma.alertNotification.findMany({
      where: { deliveredAt: null, receiver: { enabled: true } },
      orderBy: { id: "asc" },
      distinct: ["receiverId"],
      include: { receiver: true },
    });
    await Promise.all(heads.filter((head) => head.nextAttemptAt.getTime() <= clock.now()).map((head) => this.drain(head.receiverId, head.receiver)));
  }

  /** Sends a receiver's due notifications in order until one fails. */
  private async drain(receiverId: string, receiver: { name: string; kind: string; url: string }): Promise<void> {
    const { prisma, clock, secrets, log } = this.options;
    let url: string;
    try {
      url = secrets.isSealed(receiver.url) ? secrets.open(receiver.url) : receiver.url;
    } catch (err) {
      log.error({ err, receiver: receiver.name }, "a receiver's URL can't be opened; its notifications wait");
      return;
    }
    for (;;) {
      const row = await prisma.alertNotification.findFirst({ where: { receiverId, deliveredAt: null }, orderBy: { id: "asc" } });
      if (!row || row.nextAttemptAt.getTime() > clock.now()) return;
      const notice = row.payload as AlertNotice;
      const render = payloads[receiver.kind as ReceiverKind] ?? payloads.webhook;
      let problem: string | undefined;
      try {
        const status = await this.send(url, render(notice), { "content-type": "application/json", "idempotency-key": row.idempotencyKey, "user-agent": "Gantry-Alerts" });
        if (status < 200 || status > 299) problem = `answered HTTP ${status}`;
      } catch (err) {
        problem = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
      }
      if (!problem) {
        await prisma.alertNotification.update({ where: { id: row.id }, data: { deliveredAt: new Date(clock.now()), attempts: row.attempts + 1, lastError: null } });
        continue;
      }
      const attempts = row.attempts + 1;
      const delay = retryDelayMs(attempts, this.retry);
      log.warn({ receiver: receiver.name, key: row.idempotencyKey, attempts, retryInMs: delay, problem }, "alert notification not delivered; will retry");
      await prisma.alertNotification.update({ where: { id: row.id }, data: { attempts, lastError: problem, nextAttemptAt: new Date(clock.now() + delay) } });
      return;
    }
  }
}
