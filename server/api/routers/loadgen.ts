import { z } from "zod";
import { loadInput } from "../../services/load-generator";
import { onLoadJob, onService } from "../scopes";
import { allow, router } from "../trpc";

export const loadgenRouter = router({
  start: allow("operator", onService("serviceId")).input(loadInput).mutation(({ ctx, input }) => ctx.loadgen.start(input)),
  stop: allow("operator", onLoadJob).input(z.object({ id: z.string().uuid() })).mutation(({ ctx, input }) => ctx.loadgen.stop(input.id)),
  list: allow("viewer").query(({ ctx }) => ctx.loadgen.list()),
});
