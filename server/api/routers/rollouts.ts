import { revisionDiffInput, rollbackInput, rolloutTarget } from "../../contracts/rollout";
import { serviceUpdateInput } from "../../contracts/service";
import { procedure, router } from "../trpc";

export const rolloutsRouter = router({
  /** A service's rollouts, newest first. */
  list: procedure.input(rolloutTarget).query(({ ctx, input }) => ctx.rollouts.list(input)),
  revisions: procedure.input(rolloutTarget).query(({ ctx, input }) => ctx.rollouts.revisions(input)),
  diff: procedure.input(revisionDiffInput).query(({ ctx, input }) => ctx.rollouts.diff(input)),
  /**
   * What `services.update` with the same input would do, computed by the engine's reconciler; a dry
   * run that changes nothing. A POST all the same: an edit (env, args) can outgrow a URL.
   */
  plan: procedure.input(serviceUpdateInput).mutation(({ ctx, input }) => ctx.rollouts.plan(input)),
  pause: procedure.input(rolloutTarget).mutation(({ ctx, input }) => ctx.rollouts.pause(input, ctx.actor)),
  resume: procedure.input(rolloutTarget).mutation(({ ctx, input }) => ctx.rollouts.resume(input, ctx.actor)),
  abort: procedure.input(rolloutTarget).mutation(({ ctx, input }) => ctx.rollouts.abort(input, ctx.actor)),
  rollback: procedure.input(rollbackInput).mutation(({ ctx, input }) => ctx.rollouts.rollback(input, ctx.actor)),
});
