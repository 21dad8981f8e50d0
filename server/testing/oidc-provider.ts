import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export type TestOidcProvider = { issuer: string; clientId: string; clientSecret: string; close(): Promise<void> };

/**
 * A real, certified OpenID provider (node-oidc-provider) on loopback, for tests of single sign-on.
 * Its development login form accepts any login name with any password; the account's `groups`
 * claim is whatever `groupsOf(login)` says. The client it knows is Gantry's, redirecting to
 * `redirectUri` (which may be given after start, once Gantry's port is known).
 */
export async function startOidcProvider(options: { port?: number; groupsOf(login: string): string[]; redirectUri?: string }) {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "gantry";
  const clientSecret = "gantry-test-client-secret";

  const configure = (redirectUri: string): TestOidcProvider => {
    const provider = new Provider(issuer, {
      clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ["authorization_code"], response_types: ["code"] }],
      claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"], groups: ["groups"] },
      // Gantry asks for the groups claim through its scopes (GANTRY_OIDC_SCOPES).
      scopes: ["openid", "profile", "email", "groups"],
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      cookies: { keys: ["gantry-test-cookie-key"] },
      findAccount: async (_ctx, login) => ({
        accountId: login,
        claims: async () => ({ sub: login, preferred_username: login, name: `${login} (test)`, email: `${login}@example.test`, groups: options.groupsOf(login) }),
      }),
    });
    server.removeAllListeners("request");
    server.on("request", provider.callback());
    return { issuer, clientId, clientSecret, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
  };

  return options.redirectUri ? configure(options.redirectUri) : { issuer, configure };
}
