import { z } from "zod";
import { userCreateInput, userUpdateInput } from "../../contracts/access";
import { allow, router } from "../trpc";

export const usersRouter = router({
  list: allow("admin").query(({ ctx }) => ctx.users.list()),
  create: allow("admin").input(userCreateInput).mutation(({ ctx, input }) => ctx.users.create(input, ctx.actor)),
  /** A change to role, grants, status or password ends that user's sessions. */
  update: allow("admin").input(userUpdateInput).mutation(({ ctx, input }) => ctx.users.update(input, ctx.actor)),
  delete: allow("admin").input(z.object({ id: z.string().uuid() })).mutation(({ ctx, input }) => ctx.users.delete(input.id, ctx.actor)),
});
