import { allow, router } from "../trpc";

export const integrationsRouter = router({
  /** Each discovery integration Gantry runs (etcd, ZooKeeper, DNS) and how it is doing. */
  list: allow("viewer").query(({ ctx }) => ctx.engine.integrations()),
});
