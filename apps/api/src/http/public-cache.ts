/**
 * The public read cache (SPEC.md §4): the public GET endpoints answered from
 * ready-serialised bytes, before Express.
 *
 * - What is cached: 200 answers to GET and HEAD on `cachedRoutes` from
 *   anonymous requests: without credentials (no Authorization header, no
 *   access_token cookie), or with credentials that do not authenticate (a
 *   garbage bearer token is one session lookup, then the cache, not a reason
 *   to skip it). A request that does authenticate goes to Express and is
 *   never stored, so a signed-in caller always gets its own view should a
 *   public answer ever differ by role. Key: the path plus the query with its parameters in a stable
 *   order. Each entry holds the body, a strong ETag (hash of the body) and the
 *   headers the Express path sent, minus the per-request ones.
 * - Hits are answered on the bare Node request (Express costs ~7× a bare
 *   handler): the stored headers, plus those that vary per request computed
 *   by the same rules as the app (X-Request-Id, CORS from the same cors
 *   options, memoised per Origin). `If-None-Match` → 304, on hits and misses.
 *   Hits are not logged by pino-http; they are counted in `stats()` and
 *   logged at debug level.
 * - Invalidation: `invalidate()` clears everything and bumps the generation.
 *   The base procedure middleware calls it after every successful mutation,
 *   before the response is sent, so the writer's next read sees its write. A
 *   fill that started in an earlier generation is not stored. Other replicas
 *   hear of it over Redis (public-cache-bus.ts).
 * - Entries also expire after `ttlSeconds`, a bound for changes that reach
 *   the database without an api write (a worker that does not publish yet,
 *   answers that depend on the clock).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { redactUrl } from '../logger';
import { ACCESS_COOKIE } from './cookies';

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

const routePattern = new RegExp(
  `^(?:${cachedRoutes.map((route) => route.replace(/\{[^}]+\}/g, '[^/]+')).join('|')})/?$`,
);
const API_PREFIX = '/api/v1/';
const ACCESS_COOKIE_PAIR = `${ACCESS_COOKIE}=`;

/** Headers of the Express answer that belong to one request or connection, never stored. */
const perRequestHeaders = new Set(['x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
/** Headers a 304 leaves out (as Express does). */
const bodyHeaders = new Set(['content-type', 'content-length']);

/** Clears the cache; what the base procedure middleware needs. */
export interface PublicCacheInvalidator {
  /** Clears every entry here and, through the listeners, on the other replicas. */
  invalidate(reason: string): void;
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

/** The cors middleware of the app (the `cors` package's signature). */
export type CorsMiddleware = (
  req: { method?: string; headers: IncomingHttpHeaders },
  res: { statusCode?: number; setHeader(name: string, value: string): unknown; end(): unknown },
  next: (error?: unknown) => void,
) => void;

export interface PreRouterOptions {
  /** The Express app: everything the cache does not answer. */
  app: RequestListener;
  /** A cors middleware with the app's options; run once per Origin value to learn its headers. */
  cors: CorsMiddleware;
  /** The app's request id rule (echo a valid X-Request-Id or make one). */
  requestId(req: IncomingMessage): string;
  /**
   * Whether the request's credentials name a live session, by the app's rules.
   * Without it every credentialed request goes to Express.
   */
  authenticates?(req: IncomingMessage): Promise<boolean>;
}

export interface PublicCache extends PublicCacheInvalidator {
  /** Clears every entry here only (a message from another replica, a reconnect). */
  clear(reason: string): void;
  /** Stops serving and storing, and clears (the invalidation channel is down). */
  pause(reason: string): void;
  /** Serves and stores again, from an empty cache. */
  resume(reason: string): void;
  /** Called after each `invalidate` (the Redis bus publishes from here). */
  onInvalidate(listener: (reason: string) => void): () => void;
  stats(): PublicCacheStats;
  /** The http server's request listener: answers hits, hands everything else to the app. */
  handler(options: PreRouterOptions): RequestListener;
}

export interface PublicCacheOptions {
  /** How long an entry may be served; 0 stores nothing (ETag and 304 still work). */
  ttlSeconds: number;
  /** Bytes held at most (bodies, keys, headers); the oldest entries go first. */
  maxBytes?: number;
  logger: Logger;
}

interface Entry {
  body: Buffer;
  etag: string;
  /** Name, value, name, value… for `writeHead`. */
  headers: string[];
  notModifiedHeaders: string[];
  expiresAt: number;
  size: number;
  generation: number;
}

interface Fill {
  generation: number;
  done: Promise<Entry | undefined>;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const MAX_MEMOISED_ORIGINS = 256;

function etagOf(body: Buffer) {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; `*` matches any current answer. */
export function etagMatches(header: string | undefined, etag: string) {
  if (header === undefined) return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

function hasCredentials(headers: IncomingHttpHeaders) {
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

/** CORS varies on Origin and is recomputed per request; anything else the key does not cover. */
const variesOnlyOnOrigin = (vary: string) => vary.split(',').every((field) => field.trim().toLowerCase() === 'origin');

/** The stored form of an Express answer, or undefined when it must not be shared. */
function toEntry(res: ServerResponse, body: Buffer, etag: string, expiresAt: number, generation: number) {
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
      if (!variesOnlyOnOrigin(String(value))) return undefined;
      continue;
    }
    const text = String(value);
    headers.push(name, text);
    if (!bodyHeaders.has(lower)) notModifiedHeaders.push(name, text);
    size += name.length + text.length;
  }
  return { body, etag, headers, notModifiedHeaders, expiresAt, size, generation } satisfies Entry;
}

/** Creates the cache of one api instance (each instance has its own). */
export function createPublicCache(options: PublicCacheOptions): PublicCache {
  const ttlMs = options.ttlSeconds * 1000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const logger = options.logger;
  const logHits = logger.isLevelEnabled('debug');
  const entries = new Map<string, Entry>();
  const fills = new Map<string, Fill>();
  const listeners = new Set<(reason: string) => void>();
  const counters = {
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

  function handler({ app, cors, requestId, authenticates }: PreRouterOptions): RequestListener {
    const corsMemo = new Map<string, string[]>();
    /** The CORS headers the app's cors middleware sets for this Origin on a GET. */
    function corsHeaders(origin: string | undefined) {
      const memoKey = origin ?? '';
      const known = corsMemo.get(memoKey);
      if (known) return known;
      const recorded = new Map<string, [string, string]>();
      const recorder = {
        getHeader: (name: string) => recorded.get(name.toLowerCase())?.[1],
        setHeader: (name: string, value: string) => {
          recorded.set(name.toLowerCase(), [name, String(value)]);
        },
        end: () => {},
      };
      cors({ method: 'GET', headers: origin === undefined ? {} : { origin } }, recorder, () => {});
      const flat = [...recorded.values()].flat();
      if (corsMemo.size < MAX_MEMOISED_ORIGINS) corsMemo.set(memoKey, flat);
      return flat;
    }

    function serve(req: IncomingMessage, res: ServerResponse, entry: Entry) {
      const notModified = etagMatches(req.headers['if-none-match'], entry.etag);
      const id = requestId(req);
      const headers = (notModified ? entry.notModifiedHeaders : entry.headers).concat(
        corsHeaders(req.headers.origin),
        'X-Request-Id',
        id,
      );
      res.writeHead(notModified ? 304 : 200, headers);
      res.end(notModified || req.method === 'HEAD' ? undefined : entry.body);
      counters.hits += 1;
      if (notModified) counters.notModified += 1;
      if (logHits)
        logger.debug({ reqId: id, url: redactUrl(req.url), status: notModified ? 304 : 200 }, 'public cache hit');
    }

    /** A bug in answering from an entry must cost one request, not the process (this runs outside Express). */
    function serveOrFill(req: IncomingMessage, res: ServerResponse, entry: Entry, key: string) {
      try {
        serve(req, res, entry);
      } catch (error) {
        logger.error({ err: error, url: redactUrl(req.url) }, 'public cache could not answer from an entry');
        if (res.headersSent) res.destroy();
        else fill(req, res, key);
      }
    }

    /**
     * Hands the request to Express and, when it answers 200, adds ETag,
     * Cache-Control and Content-Length, answers 304 to a matching
     * If-None-Match, and stores the answer if the generation has not changed.
     */
    function fill(req: IncomingMessage, res: ServerResponse, key: string) {
      const startedIn = generation;
      let settle: (entry: Entry | undefined) => void = () => {};
      if (active()) {
        const done = new Promise<Entry | undefined>((resolve) => {
          settle = (entry) => {
            if (fills.get(key)?.done === done) fills.delete(key);
            resolve(entry);
          };
        });
        fills.set(key, { generation: startedIn, done });
        res.once('close', () => settle(undefined));
      }
      asGet(req, res);
      const original = res.end;
      const end = original as (...rest: unknown[]) => ServerResponse;
      res.end = function (this: ServerResponse, ...args: unknown[]) {
        res.end = original;
        const [chunk, encoding] = args;
        if (this.statusCode !== 200 || this.headersSent || (typeof chunk !== 'string' && !Buffer.isBuffer(chunk))) {
          settle(undefined);
          return end.apply(this, args);
        }
        const body =
          typeof chunk === 'string'
            ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
            : chunk;
        const etag = etagOf(body);
        this.setHeader('ETag', etag);
        this.setHeader('Cache-Control', PUBLIC_CACHE_CONTROL);
        this.setHeader('Content-Length', body.length);
        const entry = active() ? toEntry(this, body, etag, Date.now() + ttlMs, startedIn) : undefined;
        settle(entry && store(key, entry) ? entry : undefined);
        const callback = args.find((arg): arg is () => void => typeof arg === 'function');
        if (etagMatches(req.headers['if-none-match'], etag)) {
          this.statusCode = 304;
          for (const name of bodyHeaders) this.removeHeader(name);
          return end.call(this, callback);
        }
        return end.call(this, body, callback);
      } as ServerResponse['end'];
      app(req, res);
    }

    /** HEAD reaches the GET procedure (Node already knows to send no body). */
    function asGet(req: IncomingMessage, res: ServerResponse) {
      if (req.method !== 'HEAD') return;
      req.method = 'GET';
      // Logged as what it was.
      res.once('finish', () => {
        req.method = 'HEAD';
      });
    }

    /** From an entry, a fill already under way for the same key, or a new fill. */
    function answerAnonymous(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string) {
      const query = normaliseQuery(rawQuery);
      const key = query ? `${path}?${query}` : path;
      if (active()) {
        const entry = entries.get(key);
        if (entry) {
          if (entry.expiresAt > Date.now()) {
            serveOrFill(req, res, entry, key);
            return;
          }
          entries.delete(key);
          bytes -= entry.size + key.length;
        }
        const pending = fills.get(key);
        if (pending && pending.generation === generation) {
          // Coalesce: one Express call per key after an invalidation, not one per waiting client.
          pending.done.then((filled) => {
            if (filled && filled.generation === generation) {
              counters.coalesced += 1;
              serveOrFill(req, res, filled, key);
            } else {
              counters.misses += 1;
              fill(req, res, key);
            }
          });
          return;
        }
      }
      counters.misses += 1;
      fill(req, res, key);
    }

    return (req, res) => {
      const method = req.method;
      const url = req.url ?? '';
      if ((method !== 'GET' && method !== 'HEAD') || !url.startsWith(API_PREFIX)) {
        app(req, res);
        return;
      }
      const queryAt = url.indexOf('?');
      const path = queryAt < 0 ? url : url.slice(0, queryAt);
      if (!routePattern.test(path)) {
        app(req, res);
        return;
      }
      if (hasCredentials(req.headers)) {
        const bypass = () => {
          counters.bypasses += 1;
          asGet(req, res);
          app(req, res);
        };
        if (!authenticates) {
          bypass();
          return;
        }
        authenticates(req).then(
          (authenticated) => {
            if (authenticated) {
              bypass();
              return;
            }
            counters.unauthenticated += 1;
            answerAnonymous(req, res, path, queryAt < 0 ? '' : url.slice(queryAt + 1));
          },
          (error: unknown) => {
            logger.warn({ err: error, url }, 'public cache could not check credentials: passing to the app');
            bypass();
          },
        );
        return;
      }
      answerAnonymous(req, res, path, queryAt < 0 ? '' : url.slice(queryAt + 1));
    };
  }

  return {
    invalidate(reason) {
      clear(reason);
      for (const listener of listeners) listener(reason);
    },
    clear,
    pause(reason) {
      if (!paused && resumedOnce) logger.warn({ reason }, 'public cache paused: reads go to the database meanwhile');
      paused = true;
      clear(reason);
    },
    resume(reason) {
      if (paused && resumedOnce) logger.info({ reason }, 'public cache resumed');
      paused = false;
      resumedOnce = true;
      clear(reason);
    },
    onInvalidate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats() {
      return { ...counters, entries: entries.size, bytes, generation, paused };
    },
    handler,
  };
}
