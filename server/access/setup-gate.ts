import { AppError } from "../lib/app-error";
import type { Users } from "../services/users";
import { newSecret, sameSecret } from "./secrets";

/**
 * The first start: with no user in the database, a one-time setup secret (printed as a link, like
 * Jupyter's or Grafana's first login) lets whoever holds it create the first admin. It changes at
 * every start and closes once anyone exists.
 */
export function createSetupGate(users: Users) {
  let secret: string | undefined;
  return {
    /** A fresh secret when nobody can sign in yet; undefined otherwise. */
    async open(): Promise<string | undefined> {
      secret = (await users.count()) === 0 ? newSecret() : undefined;
      return secret;
    },

    isOpen: () => secret !== undefined,

    async createAdmin(token: unknown, account: { username: unknown; password: unknown }, actor: string) {
      if (!secret) throw new AppError("CONFLICT", "Gantry is already set up: sign in instead");
      if (typeof token !== "string" || !sameSecret(token, secret)) {
        throw new AppError("FORBIDDEN", "this setup link is not valid: use the one Gantry printed at its latest start");
      }
      const admin = await users.createFirstAdmin(account as { username: string; password: string }, actor);
      secret = undefined;
      if (!admin) throw new AppError("CONFLICT", "someone else finished the setup first: sign in instead");
      return admin;
    },
  };
}

export type SetupGate = ReturnType<typeof createSetupGate>;
