import {
  alertRuleSpec,
  receiverInput,
  ruleIdInput,
  ruleUpdateInput,
  silenceInput,
  type Alert,
  type AlertRule,
  type AlertRuleInput,
  type Receiver,
  type ReceiverInput,
  type Silence,
  type SilenceInput,
} from "../../contracts/alerts";
import type { EventActor } from "../../contracts/event";
import { AppError, notFound } from "../../lib/app-error";
import type { Clock } from "../../lib/clock";
import { newId } from "../../lib/ids";
import type { SecretBox } from "../../lib/secret-box";
import { auditedTransaction } from "../../store/audited-transaction";
import type { ChangeFeed } from "../../store/changes";
import type { Prisma } from "../../store/database";
import { isUniqueViolation } from "../../store/errors";
import { readRows } from "../../store/row-guard";
import { toAlert, toReceiver, toRule, toSilence } from "./records";

export type AlertsDeps = { prisma: Prisma; feed: ChangeFeed; secrets: SecretBox; clock: Clock };

const taken = (what: string, name: string) => new AppError("CONFLICT", `there is already a ${what} named ${name}`, "name");

/** Alerts as the API sees them: the current ones, and the rules, receivers and silences behind them. */
export function createAlerts({ prisma, feed, secrets, clock }: AlertsDeps) {
  const activeSilences = async () => (await prisma.alertSilence.findMany({ where: { endsAt: { gt: new Date(clock.now()) } }, orderBy: { endsAt: "asc" } })).map(toSilence);

  /** A Slack URL is the credential itself: sealed at rest like secret env values. */
  const storedUrl = (input: { kind: string; url: string }) => (input.kind === "slack" ? secrets.seal(input.url) : input.url);

  async function mutate<T>(actor: EventActor, what: string, name: string, work: Parameters<typeof auditedTransaction<T>>[3]): Promise<T> {
    try {
      return await auditedTransaction(prisma, feed, actor, work);
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(what, name);
      throw err;
    }
  }

  return {
    /** Pending, firing and recently resolved alerts, firing first, each with the silence muting it. */
    async list(): Promise<Alert[]> {
      const [rows, silences] = await Promise.all([prisma.alert.findMany(), activeSilences()]);
      const order = { firing: 0, pending: 1, resolved: 2 } as Record<string, number>;
      return rows
        .map((row) => toAlert(row, silences, clock.now()))
        .sort((a, b) => order[a.state]! - order[b.state]! || (a.severity === b.severity ? 0 : a.severity === "critical" ? -1 : 1) || a.id.localeCompare(b.id));
    },

    async rules(): Promise<AlertRule[]> {
      return readRows(feed, "AlertRule", await prisma.alertRule.findMany({ orderBy: { name: "asc" } }), toRule, (row) => row.name);
    },

    async createRule(raw: AlertRuleInput, actor: EventActor): Promise<AlertRule> {
      const spec = alertRuleSpec.parse(raw);
      return mutate(actor, "rule", spec.name, async (tx, record) => {
        const row = await tx.alertRule.create({ data: { id: newId(), name: spec.name, spec } });
        await record.event({ kind: "alert.rule-created", message: `alert rule ${spec.name} created (${spec.kind})`, data: { rule: spec.name } });
        return toRule(row);
      });
    },

    async updateRule(raw: { id: string; spec: AlertRuleInput }, actor: EventActor): Promise<AlertRule> {
      const { id, spec } = ruleUpdateInput.parse(raw);
      return mutate(actor, "rule", spec.name, async (tx, record) => {
        const found = await tx.alertRule.findUnique({ where: { id } });
        if (!found) throw notFound(`alert rule ${id}`);
        const row = await tx.alertRule.update({ where: { id }, data: { name: spec.name, spec } });
        // Alerts carry the rule's name and severity: they follow at the next evaluation.
        await record.event({ kind: "alert.rule-updated", message: `alert rule ${spec.name} updated`, data: { rule: spec.name } });
        return toRule(row);
      });
    },

    async deleteRule(raw: { id: string }, actor: EventActor): Promise<void> {
      const { id } = ruleIdInput.parse(raw);
      await auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const found = await tx.alertRule.findUnique({ where: { id } });
        if (!found) throw notFound(`alert rule ${id}`);
        await tx.alertRule.delete({ where: { id } });
        await record.event({ kind: "alert.rule-deleted", message: `alert rule ${found.name} deleted`, data: { rule: found.name } });
      });
    },

    async receivers(): Promise<Receiver[]> {
      const [rows, queues] = await Promise.all([
        prisma.alertReceiver.findMany({ orderBy: { name: "asc" } }),
        prisma.alertNotification.groupBy({ by: ["receiverId"], where: { deliveredAt: null }, _count: { _all: true }, _max: { lastError: true } }),
      ]);
      const queueOf = new Map(queues.map((q) => [q.receiverId, { pending: q._count._all, lastError: q._max.lastError }]));
      return readRows(feed, "AlertReceiver", rows, (row) => toReceiver(row, secrets.isSealed(row.url) ? secrets.open(row.url) : row.url, queueOf.get(row.id) ?? { pending: 0, lastError: null }), (row) => row.name);
    },

    async createReceiver(raw: ReceiverInput, actor: EventActor): Promise<{ id: string }> {
      const input = receiverInput.parse(raw);
      return mutate(actor, "receiver", input.name, async (tx, record) => {
        const row = await tx.alertReceiver.create({ data: { id: newId(), name: input.name, kind: input.kind, url: storedUrl(input), enabled: input.enabled } });
        await record.event({ kind: "alert.receiver-created", message: `alert receiver ${input.name} created (${input.kind})`, data: { receiver: input.name } });
        return { id: row.id };
      });
    },

    async deleteReceiver(raw: { id: string }, actor: EventActor): Promise<void> {
      const { id } = ruleIdInput.parse(raw);
      await auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const found = await tx.alertReceiver.findUnique({ where: { id } });
        if (!found) throw notFound(`alert receiver ${id}`);
        // Its undelivered notifications go with it.
        await tx.alertReceiver.delete({ where: { id } });
        await record.event({ kind: "alert.receiver-deleted", message: `alert receiver ${found.name} deleted`, data: { receiver: found.name } });
      });
    },

    silences: activeSilences,

    async createSilence(raw: SilenceInput, actor: EventActor): Promise<Silence> {
      const input = silenceInput.parse(raw);
      const endsAt = new Date(clock.now() + input.minutes * 60_000);
      const what = [input.ruleName && `rule ${input.ruleName}`, input.serviceName && `service ${input.serviceName}`].filter(Boolean).join(" on ");
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const row = await tx.alertSilence.create({ data: { id: newId(), ruleName: input.ruleName ?? null, serviceName: input.serviceName ?? null, reason: input.reason, endsAt, createdBy: actor } });
        await record.event({ kind: "alert.silenced", message: `silenced ${what} until ${endsAt.toISOString()}: ${input.reason}`, serviceName: input.serviceName, data: { silence: row.id } });
        return toSilence(row);
      });
    },

    /** Ends a silence now. */
    async expireSilence(raw: { id: string }, actor: EventActor): Promise<void> {
      const { id } = ruleIdInput.parse(raw);
      await auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const found = await tx.alertSilence.findUnique({ where: { id } });
        if (!found || found.endsAt.getTime() <= clock.now()) throw notFound(`active silence ${id}`);
        await tx.alertSilence.update({ where: { id }, data: { endsAt: new Date(clock.now()) } });
        await record.event({ kind: "alert.silence-ended", message: `silence ended early: ${found.reason}`, serviceName: found.serviceName ?? undefined, data: { silence: id } });
      });
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
