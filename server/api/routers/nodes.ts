import { nodeAvailabilityInput } from "../../contracts/swarm";
import { allow, router } from "../trpc";

/** The swarm's machines: read by anyone, drained and activated by operators (Swarm moves the tasks). */
export const nodesRouter = router({
  list: allow("viewer").query(({ ctx }) => ctx.engine.swarmNodes()),
  setAvailability: allow("operator").input(nodeAvailabilityInput).mutation(({ ctx, input }) => ctx.engine.setNodeAvailability(input.id, input.availability, ctx.actor)),
});
