/**
 * What the public read cache keeps and for whom: the routes, the cache rules
 * of their answers, which requests are anonymous, the key of a request, and
 * which headers of an answer may be shared.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ACCESS_COOKIE } from '../cookies';

/**
 * Browsers keep nothing (`max-age=0`: they revalidate every time and get a
 * cheap 304 from the pre-router); a CDN in front may serve an answer for 5 s
 * and a stale one for 10 s more while it refetches. The api itself never
 * serves stale data after a write; the edge does for at most 15 s, which
 * bounds what an incident spike costs the origin to ~1 request per URL per 5 s.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=0, s-maxage=5, stale-while-revalidate=10';

/** The public routes served from the cache (OpenAPI path templates). */
export const cachedRoutes = [
  '/api/v1/status',
  '/api/v1/status/history',
  '/api/v1/services',
  '/api/v1/services/{slug}',
  '/api/v1/groups',
  '/api/v1/groups/{slug}',
  '/api/v1/events',
  '/api/v1/events/{id}',
] as const;

/**
 * Mutations that cannot change public data. They do not clear the cache, so
 * that anonymous clients (logout answers 204 without a session) and ordinary
 * accounts managing their own profile and channels cannot keep every
 * replica's cache cold. Any mutation not listed here clears it.
 */
const mutationsKeepingPublicData = new Set([
  'auth.register',
  'auth.login',
  'auth.refresh',
  'auth.logout',
  'auth.forgotPassword',
  'auth.resetPassword',
  'auth.updateProfile',
  'auth.changePassword',
  'channels.create',
  'channels.update',
  'channels.delete',
  'channels.verify',
  'channels.resendCode',
  'channels.setSubscriptions',
  'notifications.retryDelivery',
]);

/** Whether a successful mutation (by its procedure path) must clear the public cache. */
export function mutationChangesPublicData(procedurePath: string) {
  return !mutationsKeepingPublicData.has(procedurePath);
}

/** Only this prefix can be a cached route: anything else goes to the app at once. */
export const API_PREFIX = '/api/v1/';
const ACCESS_COOKIE_PAIR = `${ACCESS_COOKIE}=`;

/** Headers of the Express answer that belong to one request or connection, never stored. */
export const perRequestHeaders = new Set(['x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
/** Headers a 304 leaves out (as Express does). */
export const bodyHeaders = new Set(['content-type', 'content-length']);

/** Whether a request carries credentials (which may still not authenticate). */
export function hasCredentials(headers: IncomingHttpHeaders) {
  if (headers.authorization !== undefined) return true;
  // A substring test errs on the side of "credentialed" (e.g. an empty access_token cookie).
  return headers.cookie?.includes(ACCESS_COOKIE_PAIR) === true;
}

const parameterName = (part: string) => {
  const equals = part.indexOf('=');
  return equals < 0 ? part : part.slice(0, equals);
};

/** Query parameters in order of name; repeated names keep their order (the sort is stable). */
function normaliseQuery(query: string) {
  if (!query.includes('&')) return query;
  return query
    .split('&')
    .filter(Boolean)
    .sort((a, b) => {
      const left = parameterName(a);
      const right = parameterName(b);
      return left < right ? -1 : left > right ? 1 : 0;
    })
    .join('&');
}

/** The key of a request: the path plus the query with its parameters in a stable order. */
export function cacheKey(path: string, rawQuery: string) {
  const query = normaliseQuery(rawQuery);
  return query ? `${path}?${query}` : path;
}

/** CORS varies on Origin and is recomputed per request; anything else the key does not cover. */
export const variesOnlyOnOrigin = (vary: string) =>
  vary.split(',').every((field) => field.trim().toLowerCase() === 'origin');
