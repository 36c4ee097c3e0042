import type { IncomingMessage } from 'node:http';
import type { PublicRoute } from '../http/public-routes';
import { languageOfHeader } from './i18n';

/**
 * Browsers may keep a page 10 s and show it stale 10 s more while they fetch
 * it again; an edge cache in front keeps it 5 s. The api itself never serves
 * a page older than the last write (its cache is cleared by every write).
 */
export const PAGE_CACHE_CONTROL = 'public, max-age=10, s-maxage=5, stale-while-revalidate=10';

/** The part of the public cache key a page's language depends on besides its URL (`?lang=` is in the URL). */
export function pageVariant(req: IncomingMessage) {
  const header = req.headers['accept-language'];
  return languageOfHeader(typeof header === 'string' ? header : undefined) ?? '';
}

/** The pages, as the public cache serves them to anonymous visitors: once per language asked for. */
export const pageRoutes: PublicRoute[] = ['/', '/events/{id}', '/history', '/services/{slug}'].map((template) => ({
  template,
  cacheControl: PAGE_CACHE_CONTROL,
  variant: pageVariant,
  varies: ['accept-language'],
}));
