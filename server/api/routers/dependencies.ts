import { z } from "zod";
import { dependencyCreateInput } from "../../contracts/service";
import { procedure, router } from "../trpc";

export const dependenciesRouter = router({
  list: procedure.query(({ ctx }) => ctx.topology.listDependencies()),
  create: procedure.input(dependencyCreateInput).mutation(({ ctx, input }) => ctx.topology.createDependency(input, ctx.actor)),
  delete: procedure
    .input(z.object({ id: z.string().uuid("not a valid dependency id") }))
    .mutation(({ ctx, input }) => ctx.topology.deleteDependency(input.id, ctx.actor)),
});
