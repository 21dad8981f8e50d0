import { z } from "zod";
import { serviceCreateInput, serviceId, servicePlaceInput, serviceScaleInput, serviceUpdateInput } from "../../contracts/service";
import { procedure, router } from "../trpc";

export const servicesRouter = router({
  list: procedure.query(({ ctx }) => ctx.topology.listServices()),
  get: procedure.input(z.object({ id: serviceId })).query(({ ctx, input }) => ctx.topology.getService(input.id)),
  /** The ready instances traffic to this service may go to. */
  endpoints: procedure.input(z.object({ id: serviceId })).query(({ ctx, input }) => ctx.engine.endpoints(input.id)),
  create: procedure.input(serviceCreateInput).mutation(({ ctx, input }) => ctx.topology.createService(input, ctx.actor)),
  update: procedure.input(serviceUpdateInput).mutation(({ ctx, input }) => ctx.topology.updateService(input, ctx.actor)),
  place: procedure.input(servicePlaceInput).mutation(({ ctx, input }) => ctx.topology.placeServices(input, ctx.actor)),
  scale: procedure.input(serviceScaleInput).mutation(({ ctx, input }) => ctx.topology.scaleService(input, ctx.actor)),
  delete: procedure.input(z.object({ id: serviceId })).mutation(({ ctx, input }) => ctx.topology.deleteService(input.id, ctx.actor)),
});
