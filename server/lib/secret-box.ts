import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AppError } from "./app-error";

const PREFIX = "sealed:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Encrypts secret values for storage (AES-256-GCM); only Gantry's key opens them. */
export type SecretBox = { seal(plain: string): string; open(sealed: string): string; isSealed(value: string): boolean };

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new AppError("INTERNAL", "not a sealed secret");
      const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new AppError("INTERNAL", "a stored secret could not be decrypted: was GANTRY_SECRET_KEY (or the data directory's secret.key) changed?");
      }
    },
    isSealed: (value) => value.startsWith(PREFIX),
  };
}

/**
 * The key: GANTRY_SECRET_KEY (64 hex characters or base64 of 32 bytes) if set, else
 * `<data dir>/secret.key`, created on first use, readable by its owner only.
 */
export function loadSecretKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) {
    const key = /^[0-9a-f]{64}$/i.test(fromEnv) ? Buffer.from(fromEnv, "hex") : Buffer.from(fromEnv, "base64");
    if (key.length !== 32) throw new Error("GANTRY_SECRET_KEY must be 32 bytes: 64 hex characters or their base64");
    return key;
  }
  const file = path.join(dataDir, "secret.key");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  }
  return loadSecretKey(dataDir, fs.readFileSync(file, "utf8").trim());
}
