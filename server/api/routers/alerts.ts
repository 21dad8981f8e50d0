import { alertRuleSpec, receiverInput, ruleIdInput, ruleUpdateInput, silenceInput } from "../../contracts/alerts";
import { allow, router } from "../trpc";

export const alertsRouter = router({
  /** Pending, firing and recently resolved alerts, each with the silence muting it. */
  list: allow("viewer").query(({ ctx }) => ctx.alerts.list()),
  rules: allow("viewer").query(({ ctx }) => ctx.alerts.rules()),
  createRule: allow("editor").input(alertRuleSpec).mutation(({ ctx, input }) => ctx.alerts.createRule(input, ctx.actor)),
  updateRule: allow("editor").input(ruleUpdateInput).mutation(({ ctx, input }) => ctx.alerts.updateRule(input, ctx.actor)),
  deleteRule: allow("editor").input(ruleIdInput).mutation(({ ctx, input }) => ctx.alerts.deleteRule(input, ctx.actor)),
  /** Where notifications go; a Slack URL shows as its origin only. */
  receivers: allow("viewer").query(({ ctx }) => ctx.alerts.receivers()),
  createReceiver: allow("editor").input(receiverInput).mutation(({ ctx, input }) => ctx.alerts.createReceiver(input, ctx.actor)),
  deleteReceiver: allow("editor").input(ruleIdInput).mutation(({ ctx, input }) => ctx.alerts.deleteReceiver(input, ctx.actor)),
  silences: allow("viewer").query(({ ctx }) => ctx.alerts.silences()),
  /** Muting an alert is on-call work: operators may. */
  silence: allow("operator").input(silenceInput).mutation(({ ctx, input }) => ctx.alerts.createSilence(input, ctx.actor)),
  expireSilence: allow("operator").input(ruleIdInput).mutation(({ ctx, input }) => ctx.alerts.expireSilence(input, ctx.actor)),
});
