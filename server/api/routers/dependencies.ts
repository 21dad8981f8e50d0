import { dependencyCreateInput, dependencyDeleteInput, dependencyPlanInput } from "../../contracts/service";
import type { ScopeResolver } from "../trpc";
import { onDependency, onService } from "../scopes";
import { allow, router } from "../trpc";

/** A plan for adding from → to is from's; for removing an edge, its own `from`'s. */
const onPlannedEdge: ScopeResolver = (ctx, raw) => (typeof raw === "object" && raw !== null && "id" in raw ? onDependency(ctx, raw) : onService("fromId")(ctx, raw));

export const dependenciesRouter = router({
  list: allow("viewer").query(({ ctx }) => ctx.topology.listDependencies()),
  /** Draws the edge; by default rolls `from`'s instances to a revision that has the new TO_URL. */
  create: allow("editor", onService("fromId")).input(dependencyCreateInput).mutation(({ ctx, input }) => ctx.topology.createDependency(input, ctx.actor)),
  delete: allow("editor", onDependency).input(dependencyDeleteInput).mutation(({ ctx, input }) => ctx.topology.deleteDependency(input, ctx.actor)),
  /** What drawing or removing an edge would do to `from`'s instances (a dry run; a POST, like rollouts.plan). */
  plan: allow("editor", onPlannedEdge).input(dependencyPlanInput).mutation(({ ctx, input }) => ctx.rollouts.planLinks(input)),
});
