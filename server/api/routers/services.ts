import { z } from "zod";
import { serviceCreateInput, serviceId, servicePlaceInput, serviceScaleInput, serviceUpdateInput } from "../../contracts/service";
import { onNewService, onPlacedServices, onService, onServiceEdit } from "../scopes";
import { allow, router } from "../trpc";

export const servicesRouter = router({
  list: allow("viewer").query(({ ctx }) => ctx.topology.listServices()),
  get: allow("viewer").input(z.object({ id: serviceId })).query(({ ctx, input }) => ctx.topology.getService(input.id)),
  /** The ready instances traffic to this service may go to. */
  endpoints: allow("viewer").input(z.object({ id: serviceId })).query(({ ctx, input }) => ctx.engine.endpoints(input.id)),
  create: allow("editor", onNewService).input(serviceCreateInput).mutation(({ ctx, input }) => ctx.topology.createService(input, ctx.actor)),
  update: allow("editor", onServiceEdit).input(serviceUpdateInput).mutation(({ ctx, input }) => ctx.topology.updateService(input, ctx.actor)),
  place: allow("editor", onPlacedServices).input(servicePlaceInput).mutation(({ ctx, input }) => ctx.topology.placeServices(input, ctx.actor)),
  scale: allow("operator", onService()).input(serviceScaleInput).mutation(({ ctx, input }) => ctx.topology.scaleService(input, ctx.actor)),
  /** Rolls the service to a revision with the links its edges call for (what drawing an edge "Later" left pending). */
  applyLinks: allow("editor", onService()).input(z.object({ id: serviceId })).mutation(({ ctx, input }) => ctx.topology.applyLinks(input.id, ctx.actor)),
  delete: allow("editor", onService()).input(z.object({ id: serviceId })).mutation(({ ctx, input }) => ctx.topology.deleteService(input.id, ctx.actor)),
});
