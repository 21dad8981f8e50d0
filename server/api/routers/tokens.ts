import { z } from "zod";
import { tokenCreateInput } from "../../contracts/access";
import { allow, router } from "../trpc";

/** Everyone manages their own tokens (up to their own role); admins see and revoke everyone's. */
export const tokensRouter = router({
  list: allow("viewer").query(({ ctx }) => ctx.tokens.list(ctx.identity)),
  create: allow("viewer").input(tokenCreateInput).mutation(({ ctx, input }) => ctx.tokens.create(input, ctx.identity)),
  revoke: allow("viewer").input(z.object({ id: z.string().uuid() })).mutation(({ ctx, input }) => ctx.tokens.revoke(input.id, ctx.identity)),
});
