import { accountRouter } from "./routers/account";
import { alertsRouter } from "./routers/alerts";
import { autoscalingRouter } from "./routers/autoscaling";
import { chaosRouter } from "./routers/chaos";
import { configRouter } from "./routers/config";
import { dependenciesRouter } from "./routers/dependencies";
import { eventsRouter } from "./routers/events";
import { instancesRouter } from "./routers/instances";
import { integrationsRouter } from "./routers/integrations";
import { loadgenRouter } from "./routers/loadgen";
import { logsRouter } from "./routers/logs";
import { metricsRouter } from "./routers/metrics";
import { nodesRouter } from "./routers/nodes";
import { rolloutsRouter } from "./routers/rollouts";
import { servicesRouter } from "./routers/services";
import { settingsRouter } from "./routers/settings";
import { timelineRouter } from "./routers/timeline";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { router } from "./trpc";

export const appRouter = router({
  services: servicesRouter,
  dependencies: dependenciesRouter,
  events: eventsRouter,
  instances: instancesRouter,
  metrics: metricsRouter,
  logs: logsRouter,
  loadgen: loadgenRouter,
  rollouts: rolloutsRouter,
  account: accountRouter,
  users: usersRouter,
  tokens: tokensRouter,
  settings: settingsRouter,
  integrations: integrationsRouter,
  config: configRouter,
  alerts: alertsRouter,
  chaos: chaosRouter,
  autoscaling: autoscalingRouter,
  nodes: nodesRouter,
  timeline: timelineRouter,
});

/** The only server type the UI imports. */
export type AppRouter = typeof appRouter;
