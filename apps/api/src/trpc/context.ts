import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type AuthenticatedSession, type Core, isApiKeyFormat, withoutAuditContext } from '@statuspage/core';
import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ACCESS_COOKIE, type CookieSettings, REFRESH_COOKIE } from '../http/cookies';
import type { PublicCacheInvalidator } from '../http/public-cache';
import { publicReadsOf } from '../http/public-cache/replica';
import type { ApiKeyRateLimiter, AuthRateLimiter } from '../http/rate-limit';
import type { AlertMetrics } from '../metrics/alerts';

/** What every request's procedures can reach. */
export interface AppServices {
  core: Core;
  cookies: CookieSettings;
  rateLimiter: AuthRateLimiter;
  /** Each API key's own request budget (trpc/init.ts, on every protected procedure a key calls). */
  apiKeyRateLimiter: ApiKeyRateLimiter;
  /** Each integration endpoint's budget per client ip (`meta.rateLimit` with `budget: 'integration'`). */
  integrationRateLimiter: ApiKeyRateLimiter;
  /** Counts what the integration endpoints received (statuspage_alerts_*_total). */
  alertMetrics: AlertMetrics;
  /** E-mail delivery is configured (forgot-password answers 400 otherwise). */
  emailEnabled: boolean;
  /** The public read cache, cleared after every successful write (trpc/init.ts). */
  publicCache: PublicCacheInvalidator;
}

export interface Credentials {
  /** The access token or API key, from `Authorization: Bearer`, or the access token from the `access_token` cookie. */
  token: string;
  source: 'bearer' | 'cookie';
}

/**
 * The credentials of a request: the bearer token if an Authorization header is sent, else the
 * access_token cookie. An API key is a bearer credential only: in a cookie it is ignored, so a
 * key never rides on a browser's ambient credentials.
 */
export function readCredentials(
  headers: IncomingHttpHeaders,
  cookies: Record<string, string | undefined> = parseCookie(headers.cookie ?? ''),
): Credentials | null {
  const header = headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ? { token: match[1], source: 'bearer' } : null;
  }
  const cookie = cookies[ACCESS_COOKIE];
  return cookie && !isApiKeyFormat(cookie) ? { token: cookie, source: 'cookie' } : null;
}

/** Session lookups already made for a request: the public cache's pre-router may ask before the procedures do. */
const sessionsOf = new WeakMap<IncomingMessage, Promise<AuthenticatedSession | null>>();

/**
 * The session of a request's credentials, looked up once per request however
 * many layers ask (a second lookup would cost a query and extend the session
 * twice).
 */
export function sessionOf(
  core: Pick<Core, 'auth'>,
  req: IncomingMessage,
  credentials: Credentials | null = readCredentials(req.headers),
): Promise<AuthenticatedSession | null> {
  let session = sessionsOf.get(req);
  if (!session) {
    // Signing in is no change of the page: its writes (a session extended, a key's last use) are
    // outside the audit context — and the context's actor is this very session.
    session = credentials
      ? withoutAuditContext(() => core.auth.authenticate(credentials.token))
      : Promise.resolve(null);
    sessionsOf.set(req, session);
    // A failed lookup (the database away) is not remembered: a later layer asks again.
    session.catch(() => sessionsOf.delete(req));
  }
  return session;
}

/** Per-request context: services, the request, a child logger and the (lazily resolved) session. */
export function createContextFactory(services: AppServices) {
  return ({ req, res }: { req: Request; res: Response }) => {
    const cookies = parseCookie(req.headers.cookie ?? '');
    const credentials = readCredentials(req.headers, cookies);
    return {
      ...services,
      req,
      res,
      requestId: String(req.id ?? ''),
      log: (req.log ?? undefined) as Logger | undefined,
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      requestCookies: cookies,
      credentials,
      refreshCookie: cookies[REFRESH_COOKIE],
      /**
       * The reads of the procedures whose answers the public cache keeps (`meta.publicCache`):
       * the read replica's when the cache routed this refill there, else the primary's.
       */
      publicReads: publicReadsOf(services.core, req),
      /** The signed-in session, resolved once per request. */
      getSession() {
        return sessionOf(services.core, req, credentials);
      },
      newCsrfToken: () => randomBytes(24).toString('base64url'),
    };
  };
}
export type Context = Awaited<ReturnType<ReturnType<typeof createContextFactory>>>;
