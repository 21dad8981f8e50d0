import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Environment } from "./context";
import { CliError, ExitCode, missingCredentials } from "./exit-codes";

export const DEFAULT_URL = "http://127.0.0.1:3000";

/** What `gantry login` keeps. `tokenId` is set when login made the token, so logout can revoke it. */
const storedConfig = z.object({
  url: z.string().url(),
  token: z.string().min(1),
  tokenId: z.string().uuid().optional(),
  username: z.string().optional(),
});
export type StoredConfig = z.infer<typeof storedConfig>;

export type Credentials = { url: string; token: string };

/** `$XDG_CONFIG_HOME/gantry/config.json`, or `~/.config/gantry/config.json`. */
export function configPath(env: Environment = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? os.homedir(), ".config");
  return path.join(base, "gantry", "config.json");
}

export function readConfig(file = configPath()): StoredConfig | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return storedConfig.parse(JSON.parse(raw));
  } catch {
    throw new CliError(ExitCode.usage, `${file} is not a Gantry CLI config; remove it and run \`gantry login\` again`);
  }
}

/**
 * Writes the config readable by its owner only: the directory 0700, the file 0600 — chmod'ed as
 * well, since a file that already existed keeps its mode through writeFile, and umask narrows mkdir.
 */
export function writeConfig(config: StoredConfig, file = configPath()): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(storedConfig.parse(config), null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temp, 0o600);
  fs.renameSync(temp, file);
}

/** True if there was something to remove. */
export function removeConfig(file = configPath()): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** A base URL without the trailing slash, or a usage error naming where it came from. */
export function normalizeUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new CliError(ExitCode.usage, `${source} is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(ExitCode.usage, `${source} must be an http:// or https:// URL: ${raw}`);
  return url.href.replace(/\/+$/, "");
}

/** The server to talk to: GANTRY_URL, then the stored login, then the default. */
export function resolveUrl(env: Environment, stored: StoredConfig | undefined): string {
  if (env.GANTRY_URL) return normalizeUrl(env.GANTRY_URL, "GANTRY_URL");
  return stored?.url ?? DEFAULT_URL;
}

/**
 * GANTRY_URL and GANTRY_TOKEN win over the stored login; a token from the environment never goes to
 * a URL the login was not for unless GANTRY_URL says so.
 */
export function resolveCredentials(env: Environment, stored: StoredConfig | undefined): Credentials {
  const url = resolveUrl(env, stored);
  const token = env.GANTRY_TOKEN || (stored && (!env.GANTRY_URL || normalizeUrl(env.GANTRY_URL, "GANTRY_URL") === stored.url) ? stored.token : undefined);
  if (!token) throw missingCredentials();
  return { url, token };
}
