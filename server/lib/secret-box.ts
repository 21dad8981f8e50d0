import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AppError } from "./app-error";

/** What every sealed value starts with (a store copy counts them by it). */
export const SEALED_PREFIX = "sealed:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secret values for storage (AES-256-GCM); only Gantry's keys open them. A keyring: the
 * first key seals, any key opens (GCM's tag tells which one fits), so values sealed with a key being
 * rotated out stay readable until they are re-sealed.
 */
export type SecretBox = {
  seal(plain: string): string;
  open(sealed: string): string;
  isSealed(value: string): boolean;
  /** Sealed with the first key: nothing to re-seal. */
  sealedWithPrimary(sealed: string): boolean;
  /** Replaces the keys, the new sealing key first. */
  useKeys(keys: Buffer[]): void;
};

function decrypt(key: Buffer, raw: Buffer): string | undefined {
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

export function createSecretBox(initial: Buffer | Buffer[]): SecretBox {
  let keys: Buffer[] = [];
  const box: SecretBox = {
    useKeys(next) {
      if (next.length === 0 || next.some((key) => key.length !== 32)) throw new Error("secret keys must be 32 bytes");
      keys = [...next];
    },
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", keys[0]!, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
    },
    open(sealed) {
      if (!sealed.startsWith(SEALED_PREFIX)) throw new AppError("INTERNAL", "not a sealed secret");
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), "base64");
      for (const key of keys) {
        const plain = decrypt(key, raw);
        if (plain !== undefined) return plain;
      }
      throw new AppError("INTERNAL", "a stored secret could not be decrypted: was GANTRY_SECRET_KEY (or the data directory's secret.key) changed?");
    },
    isSealed: (value) => value.startsWith(SEALED_PREFIX),
    sealedWithPrimary: (sealed) => sealed.startsWith(SEALED_PREFIX) && decrypt(keys[0]!, Buffer.from(sealed.slice(SEALED_PREFIX.length), "base64")) !== undefined,
  };
  box.useKeys(Array.isArray(initial) ? initial : [initial]);
  return box;
}

/** 64 hex characters or base64 of 32 bytes. */
export function parseSecretKey(text: string, name = "GANTRY_SECRET_KEY"): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes: 64 hex characters or their base64`);
  return key;
}

export const keyFile = (dataDir: string) => path.join(dataDir, "secret.key");
/** Keys rotated out, one per line, kept until a boot has re-sealed everything they sealed. */
export const previousKeysFile = (dataDir: string) => path.join(dataDir, "secret.key.previous");

/**
 * The key: GANTRY_SECRET_KEY if set, else `<data dir>/secret.key`, created on first use,
 * readable by its owner only.
 */
export function loadSecretKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) return parseSecretKey(fromEnv);
  const file = keyFile(dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  }
  return parseSecretKey(fs.readFileSync(file, "utf8").trim(), file);
}

/** The keys a rotation left behind (GANTRY_SECRET_KEY_PREVIOUS, or the data dir's file). */
export function loadPreviousKeys(dataDir: string, fromEnv: { key: string | undefined; previous: string | undefined }): Buffer[] {
  if (fromEnv.key) return fromEnv.previous ? [parseSecretKey(fromEnv.previous, "GANTRY_SECRET_KEY_PREVIOUS")] : [];
  const file = previousKeysFile(dataDir);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => parseSecretKey(line, file));
}

/** Writes a file so that a crash leaves either the old contents or the new, never half. */
export function writeFileAtomic(file: string, contents: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, contents);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
