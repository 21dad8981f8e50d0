import { z } from "zod";
import { injectInput, pauseInput } from "../../contracts/chaos";
import { instanceId } from "../../contracts/instance";
import { onFaultTarget, onInjection, onInstance } from "../scopes";
import { allow, router } from "../trpc";

/** Chaos from the canvas: faults in traffic for a bounded time, and instances killed or paused — operators only. */
export const chaosRouter = router({
  list: allow("viewer").query(({ ctx }) => ctx.engine.chaos.list()),
  inject: allow("operator", onFaultTarget).input(injectInput).mutation(({ ctx, input }) => ctx.engine.chaos.inject(input, ctx.actor)),
  revert: allow("operator", onInjection).input(z.object({ id: z.string().uuid() })).mutation(({ ctx, input }) => ctx.engine.chaos.revert(input.id, ctx.actor)),
  kill: allow("operator", onInstance()).input(z.object({ id: instanceId })).mutation(({ ctx, input }) => ctx.engine.killInstance(input.id, ctx.actor)),
  pause: allow("operator", onInstance()).input(pauseInput).mutation(({ ctx, input }) => ctx.engine.pauseInstance(input.id, input.seconds, ctx.actor)),
});
