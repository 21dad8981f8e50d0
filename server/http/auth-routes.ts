import type { IncomingMessage, ServerResponse } from "node:http";
import { ZodError } from "zod";
import { safeNext, type SignInOptions } from "../contracts/access";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "../access/authenticator";
import type { Identity } from "../access/identity";
import type { OidcLogin } from "../access/oidc";
import type { SetupGate } from "../access/setup-gate";
import { AppError } from "../lib/app-error";
import type { Logger } from "../lib/logger";
import type { OpenedSession, Sessions } from "../services/sessions";
import type { Users } from "../services/users";
import { readBody } from "./body";
import type { RequestGuard } from "./request-guard";

export type AuthRoutesDeps = {
  users: Users;
  sessions: Sessions;
  setup: SetupGate;
  oidc: OidcLogin | undefined;
  guard: RequestGuard;
  /** GANTRY_PUBLIC_URL: where the OIDC provider sends people back to. */
  publicUrl: URL | undefined;
  log: Logger;
};

const MAX_BODY = 16 * 1024;
const OIDC_STATE_COOKIE = "gantry_oidc_state";

/**
 * Signing in and out — the only API that takes anonymous callers, so it is plain HTTP beside
 * tRPC (where every procedure needs an identity). All of it sits behind the request guard.
 */
export function createAuthRoutes({ users, sessions, setup, oidc, guard, publicUrl, log }: AuthRoutesDeps) {
  const client = (req: IncomingMessage) => ({ address: guard.clientAddress(req), userAgent: req.headers["user-agent"] });

  function setSessionCookie(req: IncomingMessage, res: ServerResponse, session: OpenedSession) {
    const secure = guard.isSecure(req);
    const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
    res.appendHeader("Set-Cookie", `${secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE}=${session.secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? "; Secure" : ""}`);
  }

  function clearSessionCookies(res: ServerResponse) {
    res.appendHeader("Set-Cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    res.appendHeader("Set-Cookie", `${SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure`);
  }

  const baseUrl = (req: IncomingMessage) => publicUrl?.origin ?? `${guard.isSecure(req) ? "https" : "http"}://${req.headers.host}`;

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, identity: Identity | undefined) => Promise<void>> = {
    "GET /api/auth/options": async (_req, res) => {
      const options: SignInOptions = { setupRequired: setup.isOpen(), oidc: oidc ? { name: oidc.name } : null };
      json(res, 200, options);
    },

    "POST /api/auth/login": async (req, res) => {
      const body = await readJson(req);
      const session = await sessions.signIn({ username: body.username, password: body.password }, client(req));
      setSessionCookie(req, res, session);
      json(res, 200, { ok: true });
    },

    "POST /api/auth/logout": async (_req, res, identity) => {
      if (identity?.kind === "user") await sessions.signOut(identity);
      clearSessionCookies(res);
      json(res, 200, { ok: true });
    },

    "POST /api/auth/setup": async (req, res) => {
      const body = await readJson(req);
      const admin = await setup.createAdmin(body.token, { username: body.username, password: body.password }, "setup");
      log.info({ username: admin.username }, "first admin created through the setup link");
      setSessionCookie(req, res, await sessions.open(admin.id, admin.username, client(req), "through the setup link"));
      json(res, 200, { ok: true });
    },

    "GET /api/auth/oidc/login": async (req, res) => {
      if (!oidc) throw new AppError("NOT_FOUND", "single sign-on is not configured");
      const next = safeNext(new URL(req.url ?? "/", "http://gantry").searchParams.get("next"));
      const { url, state } = await oidc.begin(`${baseUrl(req)}/api/auth/oidc/callback`, next);
      res.appendHeader("Set-Cookie", `${OIDC_STATE_COOKIE}=${state}; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600${guard.isSecure(req) ? "; Secure" : ""}`);
      redirect(res, url);
    },

    "GET /api/auth/oidc/callback": async (req, res) => {
      if (!oidc) throw new AppError("NOT_FOUND", "single sign-on is not configured");
      res.appendHeader("Set-Cookie", `${OIDC_STATE_COOKIE}=; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0`);
      try {
        const who = await oidc.finish(new URL(req.url ?? "/", "http://gantry").searchParams, cookie(req, OIDC_STATE_COOKIE));
        const user = await users.fromOidc(who);
        if (user.disabled) throw new AppError("FORBIDDEN", "this account is disabled");
        setSessionCookie(req, res, await sessions.open(user.id, user.username, client(req), `through ${oidc.name}`));
        redirect(res, who.next);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        redirect(res, `/login?error=${encodeURIComponent(err.message)}`);
      }
    },
  };

  /** Handles /api/auth/…; false for other paths. */
  return async function handle(req: IncomingMessage, res: ServerResponse, path: string, identity: Identity | undefined): Promise<boolean> {
    if (!path.startsWith("/api/auth/")) return false;
    const route = routes[`${req.method} ${path}`];
    try {
      if (!route) throw new AppError("NOT_FOUND", `no ${req.method} ${path}`);
      await route(req, res, identity);
    } catch (err) {
      if (err instanceof ZodError) return json(res, 400, { error: err.issues[0]?.message ?? "invalid input", field: err.issues[0]?.path.join(".") }), true;
      if (!(err instanceof AppError)) throw err;
      if (err.code === "TOO_MANY_REQUESTS") res.setHeader("Retry-After", /(\d+) s/.exec(err.message)?.[1] ?? "60");
      json(res, err.httpStatus, { error: err.message, field: err.field });
    }
    return true;
  };
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("cache-control", "no-store");
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader("location", location);
  res.setHeader("cache-control", "no-store");
  res.end();
}

/** A JSON object body: a form or text body (what a cross-site page could send) is refused. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) throw new AppError("BAD_REQUEST", "send JSON (content-type: application/json)");
  const raw = await readBody(req, MAX_BODY);
  try {
    const body: unknown = JSON.parse(raw);
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AppError("BAD_REQUEST", "the body must be a JSON object");
}
