import { Prisma } from "./generated/client";

/** True when a write failed on a unique index (Prisma P2002), e.g. two creates racing for one name. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}
