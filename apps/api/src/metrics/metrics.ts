import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DbClient } from '@statuspage/db';
import { outbox } from '@statuspage/db';
import { isNull, sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PublicCache } from '../http/public-cache';

/** Requests the pre-router answered from the public cache, without Express. */
export const CACHE_ROUTE = 'cache';
/** Requests no known route matched (label values stay bounded: never a raw path). */
export const UNMATCHED_ROUTE = 'unmatched';

const routed = Symbol('statuspage.routed');
type RoutedRequest = IncomingMessage & { [routed]?: true; route?: { path?: unknown } };

/**
 * Turns a request path into its route template: REST paths by the OpenAPI
 * templates (`/api/v1/services/{slug}`), tRPC calls by procedure name, Express
 * routes by their declared path; anything else is `unmatched`.
 */
export function createRouteResolver(options: { restTemplates: string[]; procedures: string[]; fixed: string[] }) {
  const rest = options.restTemplates
    .map((template) => ({
      template,
      // Fixed segments first: /services/search must win over /services/{slug}.
      params: (template.match(/\{[^}]+\}/g) ?? []).length,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}/?$`),
    }))
    .sort((a, b) => a.params - b.params);
  const procedures = new Set(options.procedures);
  const fixed = new Set(options.fixed);
  return (path: string, expressRoute?: unknown): string => {
    if (fixed.has(path)) return path;
    if (path.startsWith('/trpc/')) {
      const names = path.slice('/trpc/'.length).split(',');
      return names.length > 0 && names.every((name) => procedures.has(name))
        ? `/trpc/${names.join(',')}`
        : UNMATCHED_ROUTE;
    }
    for (const route of rest) if (route.pattern.test(path)) return route.template;
    if (path === '/docs' || path.startsWith('/docs/')) return '/docs';
    if (typeof expressRoute === 'string') return expressRoute;
    return UNMATCHED_ROUTE;
  };
}

export interface ApiMetrics {
  registry: Registry;
  /** Wraps the http server's listener: times every request and labels it with its route template. */
  instrument(listener: RequestListener): RequestListener;
  /** Marks a request as handed to Express (wrap the app with it; the rest were cache hits). */
  markRouted(app: RequestListener): RequestListener;
}

/** The api's Prometheus registry: default process metrics, HTTP, outbox, DB pool and public cache. */
export function createApiMetrics(options: {
  db: DbClient;
  publicCache: PublicCache;
  resolveRoute: (path: string, expressRoute?: unknown) => string;
}): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to the end of its response, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  registerOutboxMetrics(registry, options.db);
  registerPoolMetrics(registry, options.db);
  // The cache keeps its own counts; these counters mirror them at each scrape.
  new Counter({
    name: 'public_cache_requests_total',
    help: 'Anonymous public read requests by result: hit (answered from the cache) or miss (answered by the app).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const stats = options.publicCache.stats();
      this.reset();
      this.inc({ result: 'hit' }, stats.hits);
      this.inc({ result: 'miss' }, stats.misses);
    },
  });

  const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  return {
    registry,
    markRouted(app) {
      return (req, res) => {
        (req as RoutedRequest)[routed] = true;
        app(req, res);
      };
    },
    instrument(listener) {
      return (req: IncomingMessage, res: ServerResponse) => {
        const start = process.hrtime.bigint();
        res.once('finish', () => {
          const request = req as RoutedRequest;
          const method = methods.has(req.method ?? '') ? (req.method as string) : 'OTHER';
          let route = CACHE_ROUTE;
          if (request[routed]) {
            const path = (req.url ?? '/').split('?')[0] ?? '/';
            route = options.resolveRoute(path, request.route?.path);
          }
          requests.inc({ method, route, status: String(res.statusCode) });
          duration.observe({ method, route }, Number(process.hrtime.bigint() - start) / 1e9);
        });
        listener(req, res);
      };
    },
  };
}

/** Outbox backlog and the age of its oldest undispatched row, read with one query per scrape. */
export function registerOutboxMetrics(registry: Registry, db: Pick<DbClient, 'db'>) {
  let pending: Promise<{ backlog: number; oldest: number }> | undefined;
  const read = () => {
    pending ??= db.db
      .select({
        backlog: sql<number>`count(*)::int`,
        oldest: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
      })
      .from(outbox)
      .where(isNull(outbox.dispatchedAt))
      .then((rows) => ({ backlog: Number(rows[0]?.backlog ?? 0), oldest: Number(rows[0]?.oldest ?? 0) }))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  new Gauge({
    name: 'outbox_backlog',
    help: 'Outbox rows not yet dispatched to the queues.',
    registers: [registry],
    async collect() {
      this.set((await read()).backlog);
    },
  });
  new Gauge({
    name: 'outbox_oldest_undispatched_age_seconds',
    help: 'Age of the oldest undispatched outbox row (0 when there is none).',
    registers: [registry],
    async collect() {
      this.set((await read()).oldest);
    },
  });
}

/** Connections of the database pool in use and idle. */
export function registerPoolMetrics(registry: Registry, db: Pick<DbClient, 'poolStats'>) {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (in_use, idle).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = db.poolStats();
      this.set({ state: 'in_use' }, Math.max(0, stats.total - stats.idle));
      this.set({ state: 'idle' }, stats.idle);
    },
  });
}

/** Serves `GET /metrics` of a registry on its own port (never on the public one). */
export async function startMetricsServer(registry: Registry, options: { port: number; host: string }) {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${address.port}/metrics`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
export type MetricsServer = Awaited<ReturnType<typeof startMetricsServer>>;
