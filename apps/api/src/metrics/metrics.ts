import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { DbClient } from '@statuspage/db';
import { registerDatabaseMetrics } from '@statuspage/db/metrics';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { PublicCache } from '../http/public-cache';
import { routeTemplatePattern } from '../http/rest';
import { type AlertMetrics, createAlertMetrics } from './alerts';

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
      pattern: routeTemplatePattern(template),
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
  /** The counters of incoming alerts (the integration endpoints record into them). */
  alerts: AlertMetrics;
}

/** The api's Prometheus registry: default process metrics, HTTP, outbox, DB pool, public cache and incoming alerts. */
export function createApiMetrics(options: {
  db: DbClient;
  publicCache: PublicCache;
  resolveRoute: (path: string, expressRoute?: unknown) => string;
}): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const alerts = createAlertMetrics();
  alerts.register(registry);
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
  registerDatabaseMetrics(registry, options.db);
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
  new Counter({
    name: 'public_cache_refills_total',
    help: 'With a read replica (DATABASE_READ_URL): cache refills by the database that answered (replica, or primary while the replica had not replayed the latest write).',
    labelNames: ['database'] as const,
    registers: [registry],
    collect() {
      const stats = options.publicCache.stats();
      this.reset();
      this.inc({ database: 'replica' }, stats.replicaRefills);
      this.inc({ database: 'primary' }, stats.primaryRefills);
    },
  });
  new Counter({
    name: 'public_cache_replica_fallbacks_total',
    help: 'Reads of refills routed to the read replica that it could not answer (no connection, shutting down, a recovery conflict), read again on the primary.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(options.publicCache.stats().replicaFallbacks);
    },
  });

  const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  return {
    registry,
    alerts,
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
