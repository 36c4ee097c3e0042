import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { PublicCacheInvalidation } from '@statuspage/contracts';
import type { RedisClient, RedisSubscriber } from '@statuspage/platform';
import type { Logger } from 'pino';
import type { PublicCacheControl } from './store';

export interface PublicCacheBusOptions {
  /** Opens the connection the bus listens on (its own: a subscribed connection can run nothing else). */
  connectSubscriber: () => RedisSubscriber;
  /** The api's command connection; publishing shares it. */
  publisher: RedisClient;
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
 * empty when it is back; an invalidation that could not be published is
 * published again once the publisher is back.
 */
export async function startPublicCacheBus(options: PublicCacheBusOptions): Promise<PublicCacheBus> {
  const { cache, logger, publisher } = options;
  const { channel } = options;
  const origin = `api:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  cache.pause('not yet subscribed to the invalidation channel');
  // Subscribes again itself on each `ready` (nothing is resubscribed behind its back).
  const subscriber = options.connectSubscriber();
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

  // An invalidation that could not be published is sent again once the publisher is back: the other
  // replicas' subscribers may well be back first (a failover, a restart, a dropped connection) and
  // would otherwise keep what they stored before this write until its entries expire. Any message
  // clears everything, so only the latest one waits.
  let publishWarned = false;
  let sent = 0;
  /** The latest publish that reached Redis: it covers every invalidation made before it was sent. */
  let covered = 0;
  /** The latest invalidation no later publish has covered yet (with its write's WAL position). */
  let unpublished: { reason: string; position: string | undefined; sequence: number } | undefined;
  let retry: NodeJS.Timeout | undefined;
  const publish = (reason: string, position?: string) => {
    sent += 1;
    const sequence = sent;
    const message: PublicCacheInvalidation = { origin, reason, ...(position ? { wal_lsn: position } : {}) };
    publisher.publish(channel, JSON.stringify(message)).then(
      () => {
        publishWarned = false;
        covered = Math.max(covered, sequence);
        // Sent after the one that failed: it clears everything the failed one would have.
        if (unpublished && unpublished.sequence <= covered) unpublished = undefined;
      },
      (error) => {
        if (!publishWarned) {
          logger.warn({ err: error }, 'cannot publish a public cache invalidation; sending it again later');
        }
        publishWarned = true;
        if (closing || sequence <= covered) return;
        if (!unpublished || unpublished.sequence < sequence) unpublished = { reason, position, sequence };
        retry ??= setTimeout(publishAgain, 1000);
        retry.unref();
      },
    );
  };
  const publishAgain = () => {
    clearTimeout(retry);
    retry = undefined;
    if (unpublished === undefined || closing) return;
    if (publisher.status === 'ready') publish(unpublished.reason, unpublished.position);
    else {
      retry = setTimeout(publishAgain, 1000);
      retry.unref();
    }
  };
  publisher.on('ready', publishAgain);
  const stopPublishing = cache.onInvalidate(publish);
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
      clearTimeout(retry);
      publisher.off('ready', publishAgain);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
