import { randomBytes, randomUUID } from "node:crypto";

export const newId = (): string => randomUUID();

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Short, readable instance ids such as `api-7f3k2`, unique enough within one service. */
export function newInstanceId(serviceName: string): string {
  const bytes = randomBytes(5);
  let suffix = "";
  for (const byte of bytes) suffix += alphabet[byte % alphabet.length];
  return `${serviceName}-${suffix}`;
}
