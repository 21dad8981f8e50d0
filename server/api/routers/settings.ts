import { allow, router } from "../trpc";

export const settingsRouter = router({
  /** A new key for secret env values; everything sealed is re-sealed with it in one transaction. */
  rotateSecretKey: allow("admin").mutation(({ ctx }) => ctx.secretKeys.rotate(ctx.actor)),
});
