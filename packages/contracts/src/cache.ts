import { z } from 'zod';

/**
 * The default Redis pub/sub channel (setting `PUBLIC_CACHE_CHANNEL` of the api
 * and the worker) on which a write announces that the public read cache of
 * every api replica must be cleared. The api publishes on it after each
 * successful mutation; any other writer of public data (the worker's
 * scheduled transitions) publishes the same message.
 */
export const PUBLIC_CACHE_INVALIDATION_CHANNEL = 'statuspage:public-cache:invalidate';

/**
 * The message on that channel. Subscribers clear their cache on any message,
 * even one that fails this schema; `origin` lets a replica skip its own.
 */
export const PublicCacheInvalidation = z.object({
  /** Who published it: an api replica's instance id, or e.g. `worker`. */
  origin: z.string().min(1),
  /** What caused it (a procedure path such as `services.update`), for logs. */
  reason: z.string().optional(),
  /** The event it is about, when one (scheduled-maintenance transitions), for logs and tests. */
  event_id: z.string().optional(),
  /**
   * The primary's WAL position after the write (`pg_current_wal_insert_lsn()`, e.g. `16/B374D848`): a
   * read replica must have replayed it before it refills a public cache. Without it, the
   * receiver treats the position as unknown and refills from the primary until it asked anew.
   */
  wal_lsn: z
    .string()
    .regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i)
    .optional(),
});
export type PublicCacheInvalidation = z.infer<typeof PublicCacheInvalidation>;
