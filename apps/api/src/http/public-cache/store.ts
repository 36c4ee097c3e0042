/**
 * The entries of the public read cache and the fills under way (so that
 * concurrent misses of one key cost one Express call), with their
 * generations: `clear()` bumps the generation, and a fill that started in an
 * earlier one is not stored.
 */
import type { ServerResponse } from 'node:http';
import { walPositionValue } from '@statuspage/db';
import type { Logger } from 'pino';
import { bodyHeaders, keyCoversVary, perRequestHeaders, variesOnlyOnOrigin } from './policy';

/** Clears the cache; what the base procedure middleware needs. */
export interface PublicCacheInvalidator {
  /**
   * Clears every entry here and, through the listeners, on the other replicas. `position`: the
   * primary's WAL position after the write (`writePosition`), which a read replica must have
   * replayed before it refills the cache; without it, refills read the primary until it is known.
   */
  invalidate(reason: string, position?: string): void;
  /**
   * The primary's WAL position now, asked after a write committed, when a read replica answers
   * refills (replica.ts); undefined, without a query, when none does (or the primary did not answer).
   */
  writePosition(): Promise<string | undefined>;
}

/** Clearing, pausing and watching the cache (what the bus between replicas needs). */
export interface PublicCacheControl extends PublicCacheInvalidator {
  /** Clears every entry here only (a message from another replica, with its write's WAL position if it sent one). */
  clear(reason: string, position?: string): void;
  /** Stops serving and storing, and clears (the invalidation channel is down). */
  pause(reason: string): void;
  /** Serves and stores again, from an empty cache. */
  resume(reason: string): void;
  /** Called after each `invalidate`, with its WAL position if any (the Redis bus publishes from here). */
  onInvalidate(listener: (reason: string, position: string | undefined) => void): () => void;
  stats(): PublicCacheStats;
}

/**
 * What a refill from a read replica must see (replica.ts): the highest primary WAL position a
 * clear was told, unless a clear without one (the worker's message, an older api's, a reconnect
 * of the invalidation channel, the start of the process) left it unknown since.
 */
export interface ReadRequirement {
  /** The highest WAL position told (0 when none). */
  position: bigint;
  /** A clear without a position happened, or the cache is paused (messages may be lost). */
  unknown: boolean;
  /** Counts what made it unknown: `settle` with a position asked before the latest one does not settle it. */
  epoch: number;
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
  /** With a read replica (DATABASE_READ_URL): refills it answered, and refills the primary answered instead. */
  replicaRefills: number;
  primaryRefills: number;
  /** Of the replica's refills, reads it could not answer (the server away), read again on the primary. */
  replicaFallbacks: number;
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

/** The later of two WAL positions (Math.max takes no bigint). */
const laterOf = (a: bigint, b: bigint) => (a > b ? a : b);

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
  const listeners = new Set<(reason: string, position: string | undefined) => void>();
  const counters: PublicCacheCounters = {
    hits: 0,
    notModified: 0,
    misses: 0,
    coalesced: 0,
    stores: 0,
    bypasses: 0,
    unauthenticated: 0,
    invalidations: 0,
    replicaRefills: 0,
    primaryRefills: 0,
    replicaFallbacks: 0,
  };
  // Unknown at start: writes made before this process started, by other replicas, were not told.
  let requirement: ReadRequirement = { position: 0n, unknown: true, epoch: 0 };
  let bytes = 0;
  let generation = 0;
  let paused = false;
  /** Resumed at least once: the first pause, while the bus subscribes at start, is not news. */
  let resumedOnce = false;

  const active = () => ttlMs > 0 && !paused;

  /** A refill from a read replica must see this write (a WAL position), or a write whose position is not known. */
  function requireWrite(position: string | undefined) {
    let value: bigint | undefined;
    try {
      value = position === undefined ? undefined : walPositionValue(position);
    } catch {
      value = undefined;
    }
    requirement =
      value === undefined
        ? { position: requirement.position, unknown: true, epoch: requirement.epoch + 1 }
        : { ...requirement, position: laterOf(value, requirement.position) };
  }

  function clear(reason: string, position?: string) {
    requireWrite(position);
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

    invalidate(reason: string, position?: string) {
      clear(reason, position);
      for (const listener of listeners) listener(reason, position);
    },
    clear,
    pause(reason: string) {
      if (!paused && resumedOnce) logger.warn({ reason }, 'public cache paused: reads go to the database meanwhile');
      paused = true;
      // Messages from now on may be lost: what a refill must see is unknown until resumed.
      clear(reason);
    },
    resume(reason: string) {
      if (paused && resumedOnce) logger.info({ reason }, 'public cache resumed');
      paused = false;
      resumedOnce = true;
      clear(reason);
    },
    /** What a refill from a read replica must see. */
    requirement(): ReadRequirement {
      return requirement;
    },
    /**
     * The primary's WAL position, asked when the requirement's epoch was `epoch`: it covers every
     * write committed before, so the requirement is known again — unless it became unknown once
     * more meanwhile, or the cache is paused.
     */
    settle(epoch: number, position: string) {
      if (paused || epoch !== requirement.epoch) return;
      const value = walPositionValue(position);
      requirement = { position: laterOf(value, requirement.position), unknown: false, epoch };
    },
    onInvalidate(listener: (reason: string, position: string | undefined) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats(): PublicCacheStats {
      return { ...counters, entries: entries.size, bytes, generation, paused };
    },
  };
}
export type CacheStore = ReturnType<typeof createCacheStore>;
