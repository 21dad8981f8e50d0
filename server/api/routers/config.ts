import { may } from "../../access/identity";
import { configApplyInput, configExportInput } from "../../contracts/config";
import { allow, router } from "../trpc";

/**
 * gantry.yaml as a whole topology. Apply touches services the file names and (with prune) any
 * other, so it needs the editor role everywhere, not a grant on labelled services.
 */
export const configRouter = router({
  /** What apply would do: per service created / changed (fields, rollout plan) / deleted / unchanged. A POST: files outgrow URLs. */
  diff: allow("viewer")
    .input(configApplyInput)
    .mutation(({ ctx, input }) => ctx.config.diff(input, { compareSecrets: may(ctx.identity, "editor") })),
  /**
   * Makes Gantry what the file says, in one transaction; rollouts start as for the same edits in the
   * dashboard. Not named `apply`: tRPC reserves that word (routers are proxies, and `apply` is Function's).
   */
  applyFile: allow("editor").input(configApplyInput).mutation(({ ctx, input }) => ctx.config.apply(input, ctx.actor)),
  /** The topology (or chosen services) as YAML, and the secrets an apply of it needs. */
  export: allow("viewer").input(configExportInput).query(({ ctx, input }) => ctx.config.export(input)),
  /** Services changed on the canvas or through the API since their last apply, with what changed. */
  drift: allow("viewer").query(({ ctx }) => ctx.config.drift()),
});
