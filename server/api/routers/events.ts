import { eventListInput } from "../../contracts/event";
import { listEvents } from "../../services/event-log";
import { procedure, router } from "../trpc";

export const eventsRouter = router({
  list: procedure.input(eventListInput).query(({ ctx, input }) => listEvents(ctx.prisma, input)),
});
