/**
 * Public routes that are not tRPC procedures (pages, feeds, badges, the
 * Statuspage-compatible JSON): each feature appends its entries here, and the
 * public cache serves anonymous GET/HEAD requests of these paths from cached
 * bytes exactly as it serves the procedures whose meta says `publicCache`
 * (ETag, 304, cleared by every write).
 */
import type { IncomingMessage } from 'node:http';
import { pageRoutes } from '../pages/routes';
import { syndicationPublicRoutes } from '../syndication/routes';

export interface PublicRoute {
  /** The path template, `{name}` for a segment (`/services/{slug}/badge.svg`). */
  template: string;
  /** The answer's Cache-Control; the public cache's default when left out. */
  cacheControl?: string;
  /**
   * A part of the cache key computed from the request besides its path and
   * query (for example the negotiated language). With it, an answer may vary
   * on the headers named in `varies` and is still stored, once per variant.
   */
  variant?: (req: IncomingMessage) => string;
  /** Request headers the answer varies on besides Origin (lower case); only with `variant`. */
  varies?: readonly string[];
  /**
   * `any-origin`: readable by every origin without credentials (`Access-Control-Allow-Origin: *`,
   * what the route's own CORS sends), instead of the app's credentialed CORS for its configured origins.
   */
  cors?: 'any-origin';
}

/** Every non-procedure public route (features add theirs). */
export const publicRoutes: PublicRoute[] = [
  // The public HTML pages (cached once per language).
  ...pageRoutes,
  // The Statuspage API v2, feeds, calendars and badges (readable from any origin).
  ...syndicationPublicRoutes,
];
