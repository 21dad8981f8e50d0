import { seriesInput } from "../../contracts/metrics";
import { allow, router } from "../trpc";

export const metricsRouter = router({
  /** Points of several series over a window (1 s resolution up to 15 min, 1 min beyond). */
  series: allow("viewer").input(seriesInput).query(({ ctx, input }) => ctx.engine.metrics.series(input.keys, input.window)),
});
