/**
 * The http server's request listener in front of Express: answers anonymous
 * GET/HEAD requests of the cached routes from the store (Express costs ~7× a
 * bare handler), with the stored headers plus those that vary per request
 * computed by the same rules as the app (X-Request-Id, CORS from the same
 * cors options, memoised per Origin); hands everything else to the app, and
 * stores what the app answers to anonymous requests.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { redactUrl } from '../../logger';
import { etagMatches, etagOf } from './etag';
import { ANY_ORIGIN_HEADERS, bodyHeaders, type CachedRoute, cacheKey, hasCredentials } from './policy';
import type { ReplicaRouting } from './replica';
import type { CacheStore, Entry } from './store';

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

const MAX_MEMOISED_ORIGINS = 256;

/** The pre-router over a store, for the paths of `routes`; `replica` routes its refills to a read replica. */
export function createPreRouter(
  cache: CacheStore,
  routes: CachedRoute[],
  { app, cors, requestId, authenticates }: PreRouterOptions,
  replica?: ReplicaRouting,
): RequestListener {
  const { counters, logger } = cache;
  const logHits = logger.isLevelEnabled('debug');
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

  function serve(req: IncomingMessage, res: ServerResponse, entry: Entry, route: CachedRoute) {
    const notModified = etagMatches(req.headers['if-none-match'], entry.etag);
    const id = requestId(req);
    const headers = (notModified ? entry.notModifiedHeaders : entry.headers).concat(
      route.anyOrigin ? ANY_ORIGIN_HEADERS : corsHeaders(req.headers.origin),
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
  function serveOrFill(req: IncomingMessage, res: ServerResponse, entry: Entry, key: string, route: CachedRoute) {
    try {
      serve(req, res, entry, route);
    } catch (error) {
      logger.error({ err: error, url: redactUrl(req.url) }, 'public cache could not answer from an entry');
      if (res.headersSent) res.destroy();
      else fill(req, res, key, route);
    }
  }

  /**
   * Hands the request to Express (reading the replica or the primary, replica.ts) and, when it answers 200, adds ETag,
   * Cache-Control and Content-Length, answers 304 to a matching
   * If-None-Match, and stores the answer if the generation has not changed.
   */
  function fill(req: IncomingMessage, res: ServerResponse, key: string, route: CachedRoute) {
    const started = cache.startFill(key);
    const settle = started.settle ?? (() => {});
    if (started.settle) res.once('close', () => settle(undefined));
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
      this.setHeader('Cache-Control', route.rules.cacheControl);
      this.setHeader('Content-Length', body.length);
      settle(cache.keep(key, this, body, etag, started.generation, route.varies));
      const callback = args.find((arg): arg is () => void => typeof arg === 'function');
      if (etagMatches(req.headers['if-none-match'], etag)) {
        this.statusCode = 304;
        for (const name of bodyHeaders) this.removeHeader(name);
        return end.call(this, callback);
      }
      return end.call(this, body, callback);
    } as ServerResponse['end'];
    // Where the answer is read is decided after the fill's generation: a write meanwhile keeps it out.
    if (!replica) {
      app(req, res);
      return;
    }
    replica
      .route(req)
      .then(() => app(req, res))
      .catch((error: unknown) => {
        // As a throw of the app outside Express would: this request is lost, not the process.
        logger.error({ err: error, url: redactUrl(req.url) }, 'public cache refill failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
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
  function answerAnonymous(
    req: IncomingMessage,
    res: ServerResponse,
    route: CachedRoute,
    path: string,
    rawQuery: string,
  ) {
    const key = cacheKey(path, rawQuery, route.variant?.(req));
    if (cache.active()) {
      const entry = cache.fresh(key);
      if (entry) {
        serveOrFill(req, res, entry, key, route);
        return;
      }
      const pending = cache.pending(key);
      if (pending) {
        // Coalesce: one Express call per key after an invalidation, not one per waiting client.
        pending.done.then((filled) => {
          if (filled && filled.generation === cache.generation()) {
            counters.coalesced += 1;
            serveOrFill(req, res, filled, key, route);
          } else {
            counters.misses += 1;
            fill(req, res, key, route);
          }
        });
        return;
      }
    }
    counters.misses += 1;
    fill(req, res, key, route);
  }

  return (req, res) => {
    const method = req.method;
    const url = req.url ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      app(req, res);
      return;
    }
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const route = routes.find((candidate) => candidate.pattern.test(path));
    if (!route) {
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
          answerAnonymous(req, res, route, path, queryAt < 0 ? '' : url.slice(queryAt + 1));
        },
        (error: unknown) => {
          logger.warn({ err: error, url }, 'public cache could not check credentials: passing to the app');
          bypass();
        },
      );
      return;
    }
    answerAnonymous(req, res, route, path, queryAt < 0 ? '' : url.slice(queryAt + 1));
  };
}
