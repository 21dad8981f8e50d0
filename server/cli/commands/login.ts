import os from "node:os";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../../api/router";
import { CSRF_HEADER, highestRole } from "../../contracts/access";
import { createApi } from "../api";
import type { CliContext } from "../context";
import { normalizeUrl, readConfig, removeConfig, resolveUrl, writeConfig } from "../credentials";
import { CliError, ExitCode, classify } from "../exit-codes";
import { createPrompter } from "../prompt";

export type LoginOptions = { token?: string | true; username?: string };

/** The server `login` signs in to: the argument, GANTRY_URL, the stored login's, or the default. */
const loginUrl = (cli: CliContext, url: string | undefined) => (url ? normalizeUrl(url, "the URL") : resolveUrl(cli.io.env, readConfig(cli.configFile)));

/**
 * Signs in and keeps a token in the config file (0600). With a password: opens a session, makes an
 * API token with the user's highest role, and ends the session. With `--token`: checks the pasted
 * token (single sign-on users make one in the dashboard) and keeps it.
 */
export async function login(cli: CliContext, urlArg: string | undefined, options: LoginOptions): Promise<void> {
  const url = loginUrl(cli, urlArg);
  const prompter = createPrompter(cli.io.stdin, cli.io.stderr);
  try {
    if (options.token !== undefined) {
      const token = typeof options.token === "string" ? options.token : await prompter.ask("API token: ", { secret: true });
      if (!token) throw new CliError(ExitCode.usage, "no token given");
      const me = await createApi({ url, token }).account.me.query();
      writeConfig({ url, token, username: me.username }, cli.configFile);
      return cli.note(`signed in to ${url} as ${me.username} (token stored in ${cli.configFile})`);
    }
    const username = options.username ?? (await prompter.ask("Username: "));
    const password = await prompter.ask("Password: ", { secret: true });
    const made = await tokenFromPassword(url, username, password);
    writeConfig({ url, token: made.secret, tokenId: made.id, username: made.username }, cli.configFile);
    cli.note(`signed in to ${url} as ${made.username} with a new ${made.role} token "${made.name}" (stored in ${cli.configFile})`);
  } finally {
    prompter.close();
  }
}

async function tokenFromPassword(url: string, username: string, password: string) {
  const response = await fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    const reason = body.error ?? `HTTP ${response.status}`;
    if (response.status === 401 || response.status === 403 || response.status === 429) throw new CliError(ExitCode.unauthorized, `sign-in refused: ${reason}`);
    if (response.status === 404) throw new CliError(ExitCode.unreachable, `${url} has no Gantry sign-in (${reason})`);
    throw new CliError(response.status >= 500 ? ExitCode.unreachable : ExitCode.usage, `sign-in failed: ${reason}`);
  }
  // The session lives only as long as it takes to make a token: a cookie, plus the header a browser's changes carry.
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const headers = { cookie, [CSRF_HEADER]: "1" };
  const session = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc`, headers })] });
  try {
    const me = await session.account.me.query();
    const name = `gantry cli ${os.hostname().replace(/[^-a-zA-Z0-9_.]/g, "-").slice(0, 30)} ${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
    const created = await session.tokens.create.mutate({ name, role: highestRole(me.role, me.grants), expiresInDays: 90 });
    return { ...created, username: me.username };
  } finally {
    await fetch(`${url}/api/auth/logout`, { method: "POST", headers }).catch(() => undefined);
  }
}

/** Forgets the stored login; a token `login` made is revoked on the server as well. */
export async function logout(cli: CliContext): Promise<void> {
  const stored = readConfig(cli.configFile);
  if (!stored) return cli.note(`not signed in (no ${cli.configFile})`);
  if (stored.tokenId) {
    try {
      await createApi(stored).tokens.revoke.mutate({ id: stored.tokenId });
    } catch (err) {
      cli.note(`warning: could not revoke the token on ${stored.url}: ${classify(err, stored.url).message}`);
    }
  }
  removeConfig(cli.configFile);
  cli.note(`signed out of ${stored.url}`);
}
