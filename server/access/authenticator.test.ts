import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { systemClock } from "../lib/clock";
import { silentLogger } from "../lib/logger";
import type { Prisma } from "../store/database";
import { createAuthenticator } from "./authenticator";

const bootstrapToken = "bootstrap-token-0123456789abcdef";
/** The bootstrap token is proven without the database, which this test therefore does without. */
const authenticator = createAuthenticator({ prisma: {} as Prisma, clock: systemClock, log: silentLogger, sessionIdleMs: 60_000, bootstrapToken });

function request(headers: Record<string, string>): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

describe("authenticator.recheckerOf", () => {
  it("proves a WebSocket's credentials again from the secret its upgrade carried, not from the request kept alive", async () => {
    const req = request({ authorization: `Bearer ${bootstrapToken}` });
    const recheck = authenticator.recheckerOf(req);
    req.headers = {}; // what a kept request would say later no longer matters
    expect(await recheck()).toMatchObject({ kind: "bootstrap", role: "admin" });
    expect(await authenticator.recheckerOf(request({}))()).toBeUndefined();
  });
});
