import { logQuery } from "../../contracts/logs";
import { procedure, router } from "../trpc";

export const logsRouter = router({
  /** An instance's newest lines matching a filter (text, stream, time range), oldest first. */
  search: procedure.input(logQuery).query(({ ctx, input }) => ctx.engine.readLogs(input.instanceId, input)),
});
