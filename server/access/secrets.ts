import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Session ids and API tokens: 256 random bits, so a fast hash is enough to store them (there is
 * nothing to brute-force); argon2id is for passwords, which people choose.
 */
export const newSecret = (prefix = ""): string => `${prefix}${randomBytes(32).toString("base64url")}`;

/** API tokens start with this, so secret scanners and people recognise them. */
export const TOKEN_PREFIX = "gantry_";

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** Compares two secrets in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(hashSecret(a)), Buffer.from(hashSecret(b))];
  return timingSafeEqual(x, y);
}
