import { z } from "zod";
import { instanceId, instanceListInput } from "../../contracts/instance";
import { onInstance } from "../scopes";
import { allow, router } from "../trpc";

/** Instances are actual state: reads come from the engine, and actions are requests to it. */
export const instancesRouter = router({
  list: allow("viewer").input(instanceListInput).query(({ ctx, input }) => ctx.engine.instances(input.serviceId)),
  stop: allow("operator", onInstance()).input(z.object({ id: instanceId })).mutation(({ ctx, input }) => ctx.engine.stopInstance(input.id)),
  restart: allow("operator", onInstance()).input(z.object({ id: instanceId })).mutation(({ ctx, input }) => ctx.engine.restartInstance(input.id)),
});
