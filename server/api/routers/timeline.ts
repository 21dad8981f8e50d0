import { timelineAtInput, timelineChangesInput } from "../../contracts/timeline";
import { allow, router } from "../trpc";

export const timelineRouter = router({
  /** Every service's health, ready/wanted, revision and traffic, and every edge, at a moment of the last 24 h. */
  at: allow("viewer").input(timelineAtInput).query(({ ctx, input }) => ctx.timeline.at(input)),
  /** What changed between two moments, per service: its state at each and the events between. */
  changes: allow("viewer").input(timelineChangesInput).query(({ ctx, input }) => ctx.timeline.changes(input)),
  /** Events per minute over the last 24 h (the scrubber's ticks). */
  marks: allow("viewer").query(({ ctx }) => ctx.timeline.marks()),
});
