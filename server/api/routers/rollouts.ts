import { revisionDiffInput, rollbackInput, rolloutTarget } from "../../contracts/rollout";
import { serviceUpdateInput } from "../../contracts/service";
import { onService, onServiceEdit } from "../scopes";
import { allow, router } from "../trpc";

const onTarget = onService("serviceId");

export const rolloutsRouter = router({
  /** A service's rollouts, newest first. */
  list: allow("viewer").input(rolloutTarget).query(({ ctx, input }) => ctx.rollouts.list(input)),
  revisions: allow("viewer").input(rolloutTarget).query(({ ctx, input }) => ctx.rollouts.revisions(input)),
  diff: allow("viewer").input(revisionDiffInput).query(({ ctx, input }) => ctx.rollouts.diff(input)),
  /**
   * What `services.update` with the same input would do, computed by the engine's reconciler; a dry
   * run that changes nothing, part of editing. A POST all the same: an edit (env, args) can outgrow a URL.
   */
  plan: allow("editor", onServiceEdit).input(serviceUpdateInput).mutation(({ ctx, input }) => ctx.rollouts.plan(input)),
  pause: allow("operator", onTarget).input(rolloutTarget).mutation(({ ctx, input }) => ctx.rollouts.pause(input, ctx.actor)),
  resume: allow("operator", onTarget).input(rolloutTarget).mutation(({ ctx, input }) => ctx.rollouts.resume(input, ctx.actor)),
  abort: allow("operator", onTarget).input(rolloutTarget).mutation(({ ctx, input }) => ctx.rollouts.abort(input, ctx.actor)),
  rollback: allow("operator", onTarget).input(rollbackInput).mutation(({ ctx, input }) => ctx.rollouts.rollback(input, ctx.actor)),
});
