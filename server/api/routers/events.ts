import { eventListInput } from "../../contracts/event";
import { listEvents } from "../../services/event-log";
import { allow, router } from "../trpc";

export const eventsRouter = router({
  /** Newest first, with who did what (filter by `actor`, kind or service). */
  list: allow("viewer").input(eventListInput).query(({ ctx, input }) => listEvents(ctx.prisma, input)),
});
