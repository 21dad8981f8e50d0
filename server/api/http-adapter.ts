import type { IncomingMessage, ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Identity } from "../access/identity";
import { appRouter } from "./router";
import type { ApiContext } from "./trpc";

/**
 * The tRPC API behind the request pipeline: the pipeline has already proven who is calling, and
 * each call's context picks that identity up here.
 */
export function createTrpcHandler(deps: Omit<ApiContext, "identity">) {
  const callers = new WeakMap<IncomingMessage, Identity>();
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    createContext: ({ req }): ApiContext => ({ ...deps, identity: callers.get(req) }),
  });
  return async (req: IncomingMessage, res: ServerResponse, identity: Identity | undefined) => {
    if (identity) callers.set(req, identity);
    await handler(req, res);
  };
}
