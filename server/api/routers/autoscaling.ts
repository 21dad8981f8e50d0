import { autoscaleTarget } from "../../contracts/autoscale";
import { onService } from "../scopes";
import { allow, router } from "../trpc";

const onTarget = onService("serviceId");

/** Settings are edited with the service (editor); watching and resuming are here. */
export const autoscalingRouter = router({
  /** Settings, pause, recent syncs (wanted, ready, metrics) and the last decision in words. */
  status: allow("viewer").input(autoscaleTarget).query(({ ctx, input }) => ctx.autoscaler.status(input.serviceId)),
  /** A hand scale paused it; operators may hand the count back to the autoscaler. */
  resume: allow("operator", onTarget).input(autoscaleTarget).mutation(({ ctx, input }) => ctx.autoscaler.resume(input.serviceId, ctx.actor)),
});
