import { z } from "zod";
import { dependencyCreateInput } from "../../contracts/service";
import { onDependency, onService } from "../scopes";
import { allow, router } from "../trpc";

export const dependenciesRouter = router({
  list: allow("viewer").query(({ ctx }) => ctx.topology.listDependencies()),
  create: allow("editor", onService("fromId")).input(dependencyCreateInput).mutation(({ ctx, input }) => ctx.topology.createDependency(input, ctx.actor)),
  delete: allow("editor", onDependency)
    .input(z.object({ id: z.string().uuid("not a valid dependency id") }))
    .mutation(({ ctx, input }) => ctx.topology.deleteDependency(input.id, ctx.actor)),
});
