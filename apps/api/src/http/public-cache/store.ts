/**
 * The entries of the public read cache and the fills under way (so that
 * concurrent misses of one key cost one Express call), with their
 * generations: `clear()` bumps the generation, and a fill that started in an
 * earlier one is not stored.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { bodyHeaders, keyCoversVary, perRequestHeaders, variesOnlyOnOrigin } from './policy';

/** Clears the cache; what the base procedure middleware needs. */
export interface PublicCacheInvalidator {
  /** Clears every entry here and, through the listeners, on the other replicas. */
  invalidate(reason: string): void;
}

/** Clearing, pausing and watching the cache (what the bus between replicas needs). */
export interface PublicCacheControl extends PublicCacheInvalidator {
  /** Clears every entry here only (a message from another replica, a reconnect). */
  clear(reason: string): void;
  /** Stops serving and storing, and clears (the invalidation channel is down). */
  pause(reason: string): void;
  /** Serves and stores again, from an empty cache. */
  resume(reason: string): void;
  /** Called after each `invalidate` (the Redis bus publishes from here). */
  onInvalidate(listener: (reason: string) => void): () => void;
  stats(): PublicCacheStats;
}

export interface PublicCacheStats {
  /** Answered from an entry (200 or 304), without Express. */
  hits: number;
  /** Of the hits, 304s. */
  notModified: number;
  /** Of the hits, requests that waited for the fill of the same key already under way. */
  coalesced: number;
  /** Anonymous requests answered by Express (no entry). */
  misses: number;
  stores: number;
  /** Cacheable routes requested with credentials that authenticate (always Express, never stored). */
  bypasses: number;
  /** Of the hits and misses, requests whose credentials did not authenticate (served as anonymous). */
  unauthenticated: number;
  /** Times the cache was cleared: writes here or on another replica, pauses and resumes. */
  invalidations: number;
  entries: number;
  bytes: number;
  generation: number;
  /** Not serving nor storing (the invalidation channel is down). */
  paused: boolean;
}

/** What the pre-router counts. */
export type PublicCacheCounters = Omit<PublicCacheStats, 'entries' | 'bytes' | 'generation' | 'paused'>;

export interface Entry {
  body: Buffer;
  etag: string;
  /** Name, value, name, value… for `writeHead`. */
  headers: string[];
  notModifiedHeaders: string[];
  expiresAt: number;
  size: number;
  generation: number;
}

export interface Fill {
  generation: number;
  done: Promise<Entry | undefined>;
}

export interface CacheStoreOptions {
  /** How long an entry may be served; 0 stores nothing (ETag and 304 still work). */
  ttlSeconds: number;
  /** Bytes held at most (bodies, keys, headers); the oldest entries go first. */
  maxBytes?: number;
  logger: Logger;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/** The stored form of an Express answer, or undefined when it must not be shared. */
function toEntry(
  res: ServerResponse,
  body: Buffer,
  etag: string,
  expiresAt: number,
  generation: number,
  varies: ReadonlySet<string>,
) {
  const headers: string[] = [];
  const notModifiedHeaders: string[] = [];
  let size = body.length;
  // As the app wrote them (Node has it on every outgoing message; @types/node only on ClientRequest).
  for (const name of (res as ServerResponse & { getRawHeaderNames(): string[] }).getRawHeaderNames()) {
    const lower = name.toLowerCase();
    if (perRequestHeaders.has(lower) || lower.startsWith('access-control-')) continue;
    const value = res.getHeader(name);
    if (value === undefined) continue;
    if (lower === 'set-cookie' || Array.isArray(value)) return undefined;
    if (lower === 'vary') {
      // Origin: recomputed per request with the CORS headers. Another field: kept, if the key covers it.
      if (variesOnlyOnOrigin(String(value))) continue;
      if (!keyCoversVary(String(value), varies)) return undefined;
    }
    const text = String(value);
    headers.push(name, text);
    if (!bodyHeaders.has(lower)) notModifiedHeaders.push(name, text);
    size += name.length + text.length;
  }
  return { body, etag, headers, notModifiedHeaders, expiresAt, size, generation } satisfies Entry;
}

/** The entries, fills, generation and counters of one api instance. */
export function createCacheStore(options: CacheStoreOptions) {
  const ttlMs = options.ttlSeconds * 1000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const logger = options.logger;
  const entries = new Map<string, Entry>();
  const fills = new Map<string, Fill>();
  const listeners = new Set<(reason: string) => void>();
  const counters: PublicCacheCounters = {
    hits: 0,
    notModified: 0,
    misses: 0,
    coalesced: 0,
    stores: 0,
    bypasses: 0,
    unauthenticated: 0,
    invalidations: 0,
  };
  let bytes = 0;
  let generation = 0;
  let paused = false;
  /** Resumed at least once: the first pause, while the bus subscribes at start, is not news. */
  let resumedOnce = false;

  const active = () => ttlMs > 0 && !paused;

  function clear(reason: string) {
    generation += 1;
    entries.clear();
    fills.clear();
    bytes = 0;
    counters.invalidations += 1;
    logger.debug({ reason, generation }, 'public cache cleared');
  }

  function store(key: string, entry: Entry) {
    if (!active() || entry.generation !== generation || entry.size > maxBytes / 4) return false;
    const previous = entries.get(key);
    if (previous) {
      entries.delete(key);
      bytes -= previous.size + key.length;
    }
    entries.set(key, entry);
    bytes += entry.size + key.length;
    // Oldest first (Map order); a FIFO is enough for a working set of a few public URLs.
    for (const [oldKey, old] of entries) {
      if (bytes <= maxBytes) break;
      entries.delete(oldKey);
      bytes -= old.size + oldKey.length;
    }
    counters.stores += 1;
    return true;
  }

  return {
    logger,
    counters,
    active,
    generation: () => generation,

    /** The entry of a key while it may be served (an expired one is dropped). */
    fresh(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt > Date.now()) return entry;
      entries.delete(key);
      bytes -= entry.size + key.length;
      return undefined;
    },

    /** The fill of this key under way in the current generation. */
    pending(key: string) {
      const fill = fills.get(key);
      return fill && fill.generation === generation ? fill : undefined;
    },

    /**
     * Marks a fill of this key as under way (when the cache is active); its
     * `settle` hands waiting requests the stored entry, or nothing.
     */
    startFill(key: string) {
      const startedIn = generation;
      if (!active()) return { generation: startedIn, settle: undefined };
      let settle: (entry: Entry | undefined) => void = () => {};
      const done = new Promise<Entry | undefined>((resolve) => {
        settle = (entry) => {
          if (fills.get(key)?.done === done) fills.delete(key);
          resolve(entry);
        };
      });
      fills.set(key, { generation: startedIn, done });
      return { generation: startedIn, settle };
    },

    /**
     * Stores an Express answer filled in `generation` (`varies`: the request headers besides Origin the
     * key covers); the entry when it was stored.
     */
    keep(
      key: string,
      res: ServerResponse,
      body: Buffer,
      etag: string,
      filledIn: number,
      varies: ReadonlySet<string> = new Set(),
    ) {
      const entry = active() ? toEntry(res, body, etag, Date.now() + ttlMs, filledIn, varies) : undefined;
      return entry && store(key, entry) ? entry : undefined;
    },

    invalidate(reason: string) {
      clear(reason);
      for (const listener of listeners) listener(reason);
    },
    clear,
    pause(reason: string) {
      if (!paused && resumedOnce) logger.warn({ reason }, 'public cache paused: reads go to the database meanwhile');
      paused = true;
      clear(reason);
    },
    resume(reason: string) {
      if (paused && resumedOnce) logger.info({ reason }, 'public cache resumed');
      paused = false;
      resumedOnce = true;
      clear(reason);
    },
    onInvalidate(listener: (reason: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats(): PublicCacheStats {
      return { ...counters, entries: entries.size, bytes, generation, paused };
    },
  };
}
export type CacheStore = ReturnType<typeof createCacheStore>;
