import { z } from "zod";
import { passwordChangeInput } from "../../contracts/access";
import { describeIdentity } from "../../access/identity";
import { allow, router } from "../trpc";

/** The caller's own account: who they are, their sessions, their password. */
export const accountRouter = router({
  me: allow("viewer").query(({ ctx }) => describeIdentity(ctx.identity, ctx.logRole)),
  sessions: allow("viewer").query(({ ctx }) => ctx.sessions.list(ctx.identity)),
  endSession: allow("viewer")
    .input(z.object({ id: z.string().uuid() }))
    .mutation(({ ctx, input }) => ctx.sessions.end(ctx.identity, input.id)),
  /** Ends every session of this user, the current one included. */
  signOutEverywhere: allow("viewer").mutation(({ ctx }) => ctx.sessions.endAll(ctx.identity)),
  changePassword: allow("viewer").input(passwordChangeInput).mutation(({ ctx, input }) => ctx.users.changePassword(ctx.identity, input)),
});
