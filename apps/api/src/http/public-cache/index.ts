/**
 * The public read cache: the public GET endpoints answered from
 * ready-serialised bytes, before Express.
 *
 * - What is cached (policy.ts): 200 answers to GET and HEAD on the routes
 *   whose procedure has `meta.publicCache`, from anonymous requests: without credentials (no Authorization
 *   header, no access_token cookie), or with credentials that do not
 *   authenticate (a garbage bearer token is one session lookup, then the
 *   cache, not a reason to skip it). A request that does authenticate goes to
 *   Express and is never stored, so a signed-in caller always gets its own
 *   view should a public answer ever differ by role. Key: the path plus the
 *   query with its parameters in a stable order. Each entry holds the body, a
 *   strong ETag (hash of the body) and the headers the Express path sent,
 *   minus the per-request ones.
 * - Hits are answered on the bare Node request (pre-router.ts). `If-None-Match`
 *   → 304, on hits and misses. Hits are not logged by pino-http; they are
 *   counted in `stats()` and logged at debug level.
 * - Invalidation (store.ts): `invalidate()` clears everything and bumps the
 *   generation. The base procedure middleware calls it after every successful
 *   mutation (unless its meta says `invalidatesPublicData: false`), before the response is sent, so the writer's next read sees its
 *   write. A fill that started in an earlier generation is not stored. Other
 *   replicas hear of it over Redis (bus.ts).
 * - With a read replica (DATABASE_READ_URL), a refill reads it only when it has replayed the
 *   latest write the cache was cleared for, and the primary otherwise (replica.ts).
 * - Entries also expire after `ttlSeconds`, a bound for changes that reach
 *   the database without an api write (a worker that does not publish yet,
 *   answers that depend on the clock).
 */
import type { RequestListener } from 'node:http';
import { appRouter } from '../../routers';
import { type PublicRoute, publicRoutes } from '../public-routes';
import { cachedRoutesOf } from './policy';
import { createPreRouter, type PreRouterOptions } from './pre-router';
import { createReplicaRouting, type ReplicaDatabases } from './replica';
import { type CacheStoreOptions, createCacheStore, type PublicCacheControl, type ReadRequirement } from './store';

export { type PublicCacheBus, type PublicCacheBusOptions, startPublicCacheBus } from './bus';
export { PUBLIC_CACHE_CONTROL } from './policy';
export type { CorsMiddleware, PreRouterOptions } from './pre-router';
export { publicReadsOf, type ReplicaDatabases, type WalSource } from './replica';
export type { PublicCacheControl, PublicCacheInvalidator, PublicCacheStats, ReadRequirement } from './store';

export interface PublicCache extends PublicCacheControl {
  /** The http server's request listener: answers hits, hands everything else to the app. */
  handler(options: PreRouterOptions): RequestListener;
  /** What a refill from the read replica must see now (replica.ts). */
  requirement(): ReadRequirement;
}

export interface PublicCacheOptions extends CacheStoreOptions {
  /** The non-procedure public routes; `public-routes.ts` by default (tests give their own). */
  publicRoutes?: readonly PublicRoute[];
  /** A read replica refills the cache when it has replayed the latest write (replica.ts); the primary otherwise. */
  replica?: ReplicaDatabases | undefined;
}

/**
 * One source of truth: the procedures' meta says which answers are public and under which rules; the
 * other public routes (pages, feeds, badges) are listed in `public-routes.ts`.
 */
const routes = cachedRoutesOf(appRouter, publicRoutes);

/** Creates the cache of one api instance (each instance has its own). */
export function createPublicCache(options: PublicCacheOptions): PublicCache {
  const store = createCacheStore(options);
  const cached = options.publicRoutes ? cachedRoutesOf(appRouter, options.publicRoutes) : routes;
  const replica = options.replica ? createReplicaRouting(store, options.replica, options.logger) : undefined;
  return {
    invalidate: store.invalidate,
    writePosition: replica ? replica.writePosition : async () => undefined,
    clear: store.clear,
    pause: store.pause,
    resume: store.resume,
    onInvalidate: store.onInvalidate,
    requirement: store.requirement,
    stats: store.stats,
    handler: (preRouter) => createPreRouter(store, cached, preRouter, replica),
  };
}
