import { logQuery } from "../../contracts/logs";
import { onInstance } from "../scopes";
import { allow, router } from "../trpc";

export const logsRouter = router({
  /** An instance's newest lines matching a filter (text, stream, time range), oldest first. */
  search: allow("log-reader", onInstance("instanceId")).input(logQuery).query(({ ctx, input }) => ctx.engine.readLogs(input.instanceId, input)),
});
