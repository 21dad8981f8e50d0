import { z } from "zod";
import { loadInput } from "../../services/load-generator";
import { procedure, router } from "../trpc";

export const loadgenRouter = router({
  start: procedure.input(loadInput).mutation(({ ctx, input }) => ctx.loadgen.start(input)),
  stop: procedure.input(z.object({ id: z.string().uuid() })).mutation(({ ctx, input }) => ctx.loadgen.stop(input.id)),
  list: procedure.query(({ ctx }) => ctx.loadgen.list()),
});
