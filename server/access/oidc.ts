import * as client from "openid-client";
import { roleRank, username as usernameSchema, type Role } from "../contracts/access";
import type { OidcSettings } from "../env";
import { AppError } from "../lib/app-error";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";

/** An authorization request waiting for the provider to send the browser back. */
type Pending = { verifier: string; nonce: string; next: string; redirectUri: string; startedAt: number };

const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 1000;

export type OidcIdentity = { issuer: string; subject: string; username: string; displayName: string | null; role: Role };

export type OidcLogin = ReturnType<typeof createOidcLogin>;

/**
 * Single sign-on: OpenID Connect's authorization code flow with PKCE, a state bound to the browser
 * by a cookie, and a nonce. The provider is discovered on first use (and again after a failure),
 * so one that is down at boot never stops Gantry from starting.
 */
export function createOidcLogin(settings: OidcSettings, { clock, log }: { clock: Clock; log: Logger }) {
  let configuration: Promise<client.Configuration> | undefined;
  const pending = new Map<string, Pending>();
  const insecure = new URL(settings.issuer).protocol === "http:";

  function discover(): Promise<client.Configuration> {
    configuration ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        configuration = undefined;
        log.error({ err, issuer: settings.issuer }, "OIDC discovery failed");
        throw new AppError("UNAVAILABLE", `the sign-in provider at ${settings.issuer} can't be reached; try again shortly`);
      });
    return configuration;
  }

  function prune() {
    const now = clock.now();
    for (const [state, entry] of pending) if (now - entry.startedAt > PENDING_MS || pending.size > MAX_PENDING) pending.delete(state);
  }

  /** The role the provider's claim values map to; the default role, or a refusal, when none does. */
  function roleFrom(claims: Record<string, unknown>): Role {
    const raw = claims[settings.roleClaim];
    const values = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string") : typeof raw === "string" ? [raw] : [];
    const mapped = values.map((value) => settings.roles[value]).filter((role): role is Role => role !== undefined);
    if (mapped.length > 0) return mapped.reduce((best, role) => (roleRank[role] > roleRank[best] ? role : best));
    if (settings.defaultRole) return settings.defaultRole;
    throw new AppError("FORBIDDEN", `your account at ${settings.name} has no Gantry role: ask an admin to map one of your ${settings.roleClaim} (GANTRY_OIDC_ROLES)`);
  }

  return {
    name: settings.name,

    /** Where to send the browser; `state` goes into a cookie so the answer can only land in this browser. */
    async begin(redirectUri: string, next: string): Promise<{ url: string; state: string }> {
      const config = await discover();
      prune();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      pending.set(state, { verifier, nonce, next, redirectUri, startedAt: clock.now() });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      return { url: url.href, state };
    },

    /** Checks the provider's answer and says who signed in, with the role their claims map to. */
    async finish(query: URLSearchParams, state: string | undefined): Promise<OidcIdentity & { next: string }> {
      const entry = state ? pending.get(state) : undefined;
      if (!state || !entry || query.get("state") !== state) throw new AppError("BAD_REQUEST", "this sign-in expired or was started in another browser; start again");
      pending.delete(state);
      if (query.has("error")) throw new AppError("FORBIDDEN", `${settings.name} refused the sign-in: ${query.get("error_description") ?? query.get("error")}`);
      const config = await discover();
      const callback = new URL(entry.redirectUri);
      callback.search = query.toString();
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: entry.verifier, expectedState: state, expectedNonce: entry.nonce, idTokenExpected: true });
      } catch (err) {
        log.warn({ err, issuer: settings.issuer }, "OIDC code exchange failed");
        throw new AppError("UNAUTHORIZED", `${settings.name} did not confirm the sign-in; start again`);
      }
      // Many providers (this one by default) put scope-requested claims such as groups only in
      // UserInfo, not in the ID token: ask there too, for the same subject.
      const idClaims = tokens.claims()!;
      let claims: typeof idClaims = idClaims;
      if (config.serverMetadata().userinfo_endpoint) {
        try {
          claims = { ...idClaims, ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), iss: idClaims.iss, sub: idClaims.sub };
        } catch (err) {
          log.warn({ err, issuer: settings.issuer }, "OIDC userinfo failed; using the ID token's claims");
        }
      }
      const rawName = [claims.preferred_username, claims.email, claims.sub].find((v): v is string => typeof v === "string" && v.length > 0)!;
      const name = usernameSchema.safeParse(rawName.toLowerCase().replace(/[^a-z0-9@._-]/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 64));
      return {
        issuer: claims.iss,
        subject: claims.sub,
        username: name.success ? name.data : `sso-${claims.sub.slice(0, 32).toLowerCase().replace(/[^a-z0-9]/g, "")}`,
        displayName: typeof claims.name === "string" ? claims.name.slice(0, 128) : null,
        role: roleFrom(claims as Record<string, unknown>),
        next: entry.next,
      };
    },
  };
}
