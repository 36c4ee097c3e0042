import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { PublicCacheInvalidation } from '@statuspage/contracts';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PublicCacheControl } from './store';

export interface PublicCacheBusOptions {
  redisUrl: string;
  /** The api's command connection; publishing shares it. */
  publisher: Redis;
  cache: PublicCacheControl;
  logger: Logger;
  /** The channel: PUBLIC_CACHE_CHANNEL, the same for every replica and the worker (tests isolate their runs with their own). */
  channel: string;
  /** How long `start` waits for the first subscription before going on with the cache paused. */
  readyTimeoutMs: number;
}

export interface PublicCacheBus {
  close(): Promise<void>;
}

/**
 * Keeps the public caches of all api replicas in step over Redis pub/sub:
 * publishes each local invalidation (with the write's WAL position, for the
 * replicas whose refills read a read replica), clears the local cache on every
 * message from elsewhere (its own are skipped). A subscriber that is not subscribed
 * may be missing messages, so the cache is paused while it is down and starts
 * empty when it is back.
 */
export async function startPublicCacheBus(options: PublicCacheBusOptions): Promise<PublicCacheBus> {
  const { cache, logger, publisher } = options;
  const { channel } = options;
  const origin = `api:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  cache.pause('not yet subscribed to the invalidation channel');
  // Its own connection: a subscribed connection can run nothing else.
  const subscriber = new Redis(options.redisUrl, { autoResubscribe: false });
  let closing = false;
  let firstSubscription: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => {
    firstSubscription = resolve;
  });
  let warned = false;
  subscriber.on('error', (error) => {
    if (!warned) logger.warn({ err: error }, 'public cache invalidation channel unavailable');
    warned = true;
  });
  subscriber.on('close', () => {
    if (!closing) cache.pause('invalidation channel disconnected');
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        warned = false;
        // Messages sent while unsubscribed are lost: resume from an empty cache.
        cache.resume('subscribed to the invalidation channel');
        firstSubscription();
      },
      (error) => logger.warn({ err: error }, 'cannot subscribe to the public cache invalidation channel'),
    );
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    // Anything on the channel clears the cache; only our own echo is skipped.
    let parsed: PublicCacheInvalidation | undefined;
    try {
      parsed = PublicCacheInvalidation.parse(JSON.parse(message));
    } catch {
      parsed = undefined;
    }
    if (parsed?.origin === origin) return;
    // A message without the write's WAL position leaves it unknown: refills read the primary until it is known.
    cache.clear(`remote: ${parsed?.reason ?? 'invalidation'}`, parsed?.wal_lsn);
  });

  let publishWarned = false;
  const stopPublishing = cache.onInvalidate((reason, position) => {
    const message: PublicCacheInvalidation = { origin, reason, ...(position ? { wal_lsn: position } : {}) };
    publisher.publish(channel, JSON.stringify(message)).then(
      () => {
        publishWarned = false;
      },
      (error) => {
        // The other replicas' subscribers are most likely down too (same Redis), and paused.
        if (!publishWarned) logger.warn({ err: error }, 'cannot publish a public cache invalidation');
        publishWarned = true;
      },
    );
  });

  const timeout = new AbortController();
  await Promise.race([
    subscribed,
    delay(options.readyTimeoutMs, undefined, { signal: timeout.signal }).catch(() => {}),
  ]);
  timeout.abort();
  if (cache.stats().paused) logger.warn('public cache paused until the invalidation channel is subscribed');

  return {
    async close() {
      closing = true;
      stopPublishing();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
