/**
 * What the public read cache keeps and for whom: the routes and the cache
 * rules of their answers (from the procedures' meta), which requests are anonymous, the key of a request, and
 * which headers of an answer may be shared.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ACCESS_COOKIE } from '../cookies';
import type { PublicRoute } from '../public-routes';
import { listProcedures, type OpenApiRouter, type PublicCacheRules, routeTemplatePattern } from '../rest';

/**
 * Browsers keep nothing (`max-age=0`: they revalidate every time and get a
 * cheap 304 from the pre-router); a CDN in front may serve an answer for 5 s
 * and a stale one for 10 s more while it refetches. The api itself never
 * serves stale data after a write; the edge does for at most 15 s, which
 * bounds what an incident spike costs the origin to ~1 request per URL per 5 s.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=0, s-maxage=5, stale-while-revalidate=10';

/** What each set of cache rules means for an answer (a procedure names its rules in `meta.publicCache`). */
export const cacheRules: Record<PublicCacheRules, { cacheControl: string }> = {
  public: { cacheControl: PUBLIC_CACHE_CONTROL },
};

/** A route served from the cache: its path pattern and the rules of its answers. */
export interface CachedRoute {
  template: string;
  pattern: RegExp;
  rules: { cacheControl: string };
  /** The extra part of the key of a request (see `PublicRoute.variant`). */
  variant?: (req: IncomingMessage) => string;
  /** Request headers, besides Origin, an answer of this route may vary on and still be stored. */
  varies: ReadonlySet<string>;
  /** Answered with `Access-Control-Allow-Origin: *` rather than the app's CORS headers. */
  anyOrigin?: boolean;
}

/** The CORS headers of a route any origin may read (as the `cors` package sends them on a GET with `origin: '*'`). */
export const ANY_ORIGIN_HEADERS: readonly string[] = ['Access-Control-Allow-Origin', '*'];

/**
 * The cached routes: the GET procedures whose meta names public cache rules,
 * then the non-procedure public routes (pages, feeds, badges).
 */
export function cachedRoutesOf(router: OpenApiRouter, others: readonly PublicRoute[] = []): CachedRoute[] {
  const procedures = listProcedures(router).flatMap(({ meta }): CachedRoute[] =>
    meta?.publicCache && meta.openapi?.method === 'GET'
      ? [
          {
            template: meta.openapi.path,
            pattern: routeTemplatePattern(meta.openapi.path),
            rules: cacheRules[meta.publicCache],
            varies: new Set<string>(),
          },
        ]
      : [],
  );
  return procedures.concat(
    others.map((route) => ({
      template: route.template,
      pattern: routeTemplatePattern(route.template),
      rules: { cacheControl: route.cacheControl ?? PUBLIC_CACHE_CONTROL },
      variant: route.variant,
      varies: new Set(route.variant ? (route.varies ?? []).map((name) => name.toLowerCase()) : []),
      anyOrigin: route.cors === 'any-origin',
    })),
  );
}
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

/**
 * The key of a request: the path plus the query with its parameters in a
 * stable order, and the route's variant of the request if it has one.
 */
export function cacheKey(path: string, rawQuery: string, variant?: string) {
  const query = normaliseQuery(rawQuery);
  const key = query ? `${path}?${query}` : path;
  return variant === undefined ? key : `${key}#${variant}`;
}

const varyFields = (vary: string) => vary.split(',').map((field) => field.trim().toLowerCase());

/** CORS varies on Origin and is recomputed per request; anything else the key does not cover. */
export const variesOnlyOnOrigin = (vary: string) => varyFields(vary).every((field) => field === 'origin');

/** Whether the key covers every field of a Vary header (Origin, or a field the route's variant stands for). */
export const keyCoversVary = (vary: string, varies: ReadonlySet<string>) =>
  varyFields(vary).every((field) => field === 'origin' || varies.has(field));
