import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "./env";
import type { Gantry } from "./gantry";
import { apiClient, startTestGantry } from "./testing/gantry";
import { rawRequest } from "./testing/http";
import { startOidcProvider, type TestOidcProvider } from "./testing/oidc-provider";

/** A browser's part of the dance: follows redirects by hand, keeping each host's cookies and posting the provider's forms. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  async get(url: string) {
    return this.send(url, "GET");
  }

  async send(url: string, method: string, form?: Record<string, string>) {
    const target = new URL(url);
    const jar = this.jars.get(target.host) ?? new Map<string, string>();
    this.jars.set(target.host, jar);
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
    if (form) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await rawRequest(url, { method, headers, body: form && new URLSearchParams(form).toString() });
    for (const cookie of [res.headers["set-cookie"] ?? []].flat()) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { ...res, location: res.headers.location && new URL(res.headers.location, url).href };
  }

  cookie(host: string, name: string) {
    return this.jars.get(host)?.get(name);
  }

  /** Starts at Gantry's "Sign in with …", signs in at the provider as `login`, and ends where Gantry sends the browser. */
  async signIn(gantry: Gantry, login: string): Promise<string> {
    let res = await this.get(`${gantry.url}/api/auth/oidc/login?next=/services`);
    for (let hops = 0; hops < 20; hops++) {
      if (res.location?.startsWith(gantry.url) && !res.location.includes("/api/auth/oidc/")) return res.location.slice(gantry.url.length);
      if (res.status === 303 || res.status === 302) {
        res = await this.get(res.location!);
        continue;
      }
      // The provider's development forms: first the login, then the consent.
      const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1];
      if (!action) throw new Error(`stuck at ${res.status}: ${res.body.slice(0, 300)}`);
      const prompt = /name="prompt" value="(\w+)"/.exec(res.body)?.[1] ?? "consent";
      res = await this.send(new URL(action, res.location ?? gantry.url).href, "POST", prompt === "login" ? { prompt, login, password: "anything" } : { prompt });
    }
    throw new Error("too many redirects");
  }
}

describe("access: single sign-on through a real OpenID provider", () => {
  let provider: TestOidcProvider;
  let gantry: Gantry;
  const groups: Record<string, string[]> = { olivia: ["ops"], ada: ["platform-admins", "ops"], stranger: ["marketing"] };

  beforeAll(async () => {
    const pending = await startOidcProvider({ groupsOf: (login) => groups[login] ?? [] });
    if (!("configure" in pending)) throw new Error("expected a provider to configure");
    const defaults = parseEnv({}).access;
    gantry = await startTestGantry({
      access: {
        ...defaults,
        bootstrapToken: "gantry-oidc-test-bootstrap-token",
        oidc: {
          issuer: pending.issuer,
          clientId: "gantry",
          clientSecret: "gantry-test-client-secret",
          name: "Test ID",
          scopes: "openid profile email groups",
          roleClaim: "groups",
          roles: { ops: "operator", "platform-admins": "admin" },
          defaultRole: undefined,
        },
      },
    });
    provider = pending.configure(`${gantry.url}/api/auth/oidc/callback`);
  });
  afterAll(async () => {
    await gantry?.stop();
    await provider?.close();
  });

  it("offers the provider on the login page", async () => {
    expect(JSON.parse((await rawRequest(`${gantry.url}/api/auth/options`)).body).oidc).toEqual({ name: "Test ID" });
  });

  it("signs a user in with the role their groups map to (the highest one), and lands where they were going", async () => {
    const browser = new Browser();
    expect(await browser.signIn(gantry, "olivia")).toBe("/services");
    const session = browser.cookie(new URL(gantry.url).host, "gantry_session")!;
    const me = JSON.parse((await rawRequest(`${gantry.url}/api/trpc/account.me`, { headers: { cookie: `gantry_session=${session}` } })).body).result.data;
    expect(me).toMatchObject({ username: "olivia", displayName: "olivia (test)", role: "operator", sso: true });

    const admin = new Browser();
    await admin.signIn(gantry, "ada");
    const users = await apiClient(gantry, "gantry-oidc-test-bootstrap-token").users.list.query();
    expect(users.find((u) => u.username === "ada")).toMatchObject({ role: "admin", source: "oidc" });
  });

  it("refuses someone none of whose groups is mapped, saying why, and creates nobody", async () => {
    const browser = new Browser();
    const landed = await browser.signIn(gantry, "stranger");
    expect(decodeURIComponent(landed)).toBe("/login?error=your account at Test ID has no Gantry role: ask an admin to map one of your groups (GANTRY_OIDC_ROLES)");
    const users = await apiClient(gantry, "gantry-oidc-test-bootstrap-token").users.list.query();
    expect(users.map((u) => u.username)).not.toContain("stranger");
  });

  it("follows the provider when a user's groups change: the role is updated at their next sign-in", async () => {
    groups.olivia = ["platform-admins"];
    await new Browser().signIn(gantry, "olivia");
    const users = await apiClient(gantry, "gantry-oidc-test-bootstrap-token").users.list.query();
    expect(users.filter((u) => u.username.startsWith("olivia"))).toMatchObject([{ username: "olivia", role: "admin" }]);
  });

  it("refuses a callback that did not start in this browser (login CSRF)", async () => {
    const victim = new Browser();
    const start = await victim.get(`${gantry.url}/api/auth/oidc/login`);
    const state = new URL(start.location!).searchParams.get("state");
    const attacker = new Browser();
    const res = await attacker.get(`${gantry.url}/api/auth/oidc/callback?code=stolen&state=${state}`);
    expect(decodeURIComponent(res.location!)).toMatch(/\/login\?error=this sign-in expired or was started in another browser/);
    expect(attacker.cookie(new URL(gantry.url).host, "gantry_session")).toBeUndefined();
  });
});
